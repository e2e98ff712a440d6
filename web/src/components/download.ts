// Files the API serves behind the bearer token (PDF, CSV): fetched through the typed client, saved as a blob.
import { ApiError, problemText, type Problem } from "../api/problem";

export async function saveResponse(response: Response, filename: string): Promise<void> {
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as Problem;
    throw new ApiError(response.status, problem.detail ? problem : { detail: problemText(problem, response.status) });
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
