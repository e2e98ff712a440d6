// The API's errors are RFC 9457 problem documents; people see their `detail` in words.
export interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: { loc?: (string | number)[]; msg?: string; field?: string; message?: string }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problemText(problem, status));
    this.name = "ApiError";
  }

  get code(): string | undefined {
    return this.problem.code;
  }
}

export function problemText(problem: Problem | undefined, status: number): string {
  if (!problem) return `The server answered ${status}.`;
  const fields = (problem.errors ?? [])
    .map((e) => {
      const where = e.field ?? e.loc?.filter((p) => p !== "body").join(".");
      const what = e.message ?? e.msg;
      return what ? (where ? `${where}: ${what}` : what) : undefined;
    })
    .filter(Boolean);
  const main = problem.detail || problem.title || `The server answered ${status}.`;
  return fields.length ? `${main} (${fields.join("; ")})` : main;
}

/** Unwrap an openapi-fetch result: the data, or an ApiError carrying the problem document. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const problem = typeof result.error === "object" && result.error !== null ? (result.error as Problem) : undefined;
    throw new ApiError(result.response.status, problem ?? {});
  }
  return result.data as T;
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "The server cannot be reached. Check your connection and try again.";
  return error instanceof Error ? error.message : String(error);
}
