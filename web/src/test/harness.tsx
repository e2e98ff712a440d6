// Test doubles: an Api whose fetch is a plain function of the Request, and a router around a screen.
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter, Route, Routes } from "react-router";

import { createApi, type Api } from "../api/client";
import { AuthProvider } from "../auth/AuthContext";

export type Handler = (request: Request) => Response | Promise<Response>;

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type, ...headers } });
}

export function fakeApi(handler: Handler): Api & { requests: Request[] } {
  const requests: Request[] = [];
  const api = createApi({
    baseUrl: "http://wattsup.test",
    storage: window.localStorage,
    baseFetch: async (request) => {
      requests.push(request.clone());
      return handler(request);
    },
  });
  return Object.assign(api, { requests });
}

export function renderRoute(api: Api, path: string, pattern: string, element: ReactNode) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider api={api}>
        <Routes>
          <Route path={pattern} element={element} />
          <Route path="*" element={<p>elsewhere</p>} />
        </Routes>
      </AuthProvider>
    </MemoryRouter>,
  );
}
