// Shared by the account screens' tests: a signed-in driver, and requests picked by method and path.
import type { ReactNode } from "react";

import { fakeApi, json, renderRoute, type Handler } from "../test/harness";

export const me = {
  id: "u-1",
  email: "ada@example.com",
  name: "Ada Lovelace",
  roles: ["driver"],
  providerId: null,
  locale: "en",
  createdAt: "2026-01-15T09:00:00Z",
};

export const pathOf = (r: Request) => new URL(r.url).pathname;

export type FakeApi = ReturnType<typeof fakeApi>;

/** Answers GET /api/me with `me` (the AuthProvider asks too) unless `handler` answers it first. */
export function signedIn(
  handler: (request: Request) => Response | Promise<Response> | undefined,
  who: Record<string, unknown> = me,
): FakeApi {
  const api = fakeApi(async (request) => {
    const answer = await handler(request);
    if (answer) return answer;
    if (pathOf(request) === "/api/me" && request.method === "GET") return json(who);
    return json({ status: 404, code: "not_found", detail: `no fake for ${request.method} ${pathOf(request)}` }, 404);
  });
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  return api;
}

export function render(api: FakeApi, element: ReactNode, path = "/account") {
  return renderRoute(api, path, path, element);
}

export const sent = (api: FakeApi, method: string, path?: string) =>
  api.requests.filter((r) => r.method === method && (path === undefined || pathOf(r) === path));

export const noContent = () => new Response(null, { status: 204 });

export type { Handler };
