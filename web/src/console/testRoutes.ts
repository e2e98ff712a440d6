// Test helper for the console's component tests: a fake API as a table of "METHOD /path" -> answer, which
// answers 404 (a problem document) to anything else, so a request the screen should not make shows up.
import { json, type Handler } from "../test/harness";

export type Answer = Response | ((request: Request) => Response | Promise<Response>);

export function routes(table: Record<string, Answer>): Handler {
  return (request) => {
    const url = new URL(request.url);
    const answer = table[`${request.method} ${url.pathname}`];
    if (answer === undefined)
      return json({ title: "Not found", status: 404, code: "not_found", detail: `No fake for ${request.method} ${url.pathname}` }, 404);
    return typeof answer === "function" ? answer(request) : answer.clone();
  };
}

export const pathOf = (r: Request) => new URL(r.url).pathname;
export const queryOf = (r: Request) => Object.fromEntries(new URL(r.url).searchParams);
export const sent = (requests: Request[], method: string, path?: string) =>
  requests.filter((r) => r.method === method && (path === undefined || pathOf(r) === path));
export const noContent = () => new Response(null, { status: 204 });
export const problem = (status: number, code: string, detail: string, errors?: unknown[]) =>
  json({ type: "about:blank", title: "Refused", status, code, detail, ...(errors ? { errors } : {}) }, status);
