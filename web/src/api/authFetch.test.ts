import { describe, expect, it } from "vitest";

import { createAuthFetch } from "./authFetch";
import { REFRESH_KEY, TokenStore } from "./tokens";

const expired = () =>
  new Response(JSON.stringify({ status: 401, code: "token_expired", detail: "The access token has expired." }), {
    status: 401,
    headers: { "content-type": "application/problem+json" },
  });

function setup(options: { refreshStatus?: number } = {}) {
  const tokens = new TokenStore(localStorage);
  const seen: { path: string; auth: string | null; body?: string }[] = [];
  let issued = 0;
  const baseFetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const auth = request.headers.get("authorization");
    seen.push({ path, auth, body: path === "/api/auth/refresh" ? await request.text() : undefined });
    if (path === "/api/auth/refresh") {
      if (options.refreshStatus) {
        return new Response(JSON.stringify({ code: "refresh_token_reused" }), { status: options.refreshStatus });
      }
      issued += 1;
      return new Response(JSON.stringify({ accessToken: `fresh-${issued}`, refreshToken: `refresh-${issued}` }));
    }
    if (auth === "Bearer old") return expired();
    return new Response(JSON.stringify({ ok: true, auth }), { status: 200 });
  };
  return { tokens, seen, authFetch: createAuthFetch({ tokens, baseFetch, baseUrl: "http://api.test" }) };
}

describe("sign-in token refresh", () => {
  it("sends the access token as a bearer token", async () => {
    const { tokens, authFetch, seen } = setup();
    tokens.save({ accessToken: "fresh-0", refreshToken: "refresh-0" });
    const response = await authFetch(new Request("http://api.test/api/me"));
    expect(response.status).toBe(200);
    expect(seen).toEqual([{ path: "/api/me", auth: "Bearer fresh-0", body: undefined }]);
  });

  it("refreshes on 401 token_expired and retries once with the new token", async () => {
    const { tokens, authFetch, seen } = setup();
    tokens.save({ accessToken: "old", refreshToken: "refresh-0" });
    const response = await authFetch(
      new Request("http://api.test/api/sessions", { method: "POST", body: JSON.stringify({ stationId: "s" }) }),
    );
    expect(response.status).toBe(200);
    expect(seen.map((s) => [s.path, s.auth])).toEqual([
      ["/api/sessions", "Bearer old"],
      ["/api/auth/refresh", null],
      ["/api/sessions", "Bearer fresh-1"],
    ]);
    expect(JSON.parse(seen[1]!.body!)).toEqual({ refreshToken: "refresh-0" });
    // the rotated refresh token is what survives a reload
    expect(localStorage.getItem(REFRESH_KEY)).toBe("refresh-1");
    expect(tokens.accessToken).toBe("fresh-1");
  });

  it("shares one refresh between requests that expire together", async () => {
    const { tokens, authFetch, seen } = setup();
    tokens.save({ accessToken: "old", refreshToken: "refresh-0" });
    const answers = await Promise.all([
      authFetch(new Request("http://api.test/api/a")),
      authFetch(new Request("http://api.test/api/b")),
      authFetch(new Request("http://api.test/api/c")),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(seen.filter((s) => s.path === "/api/auth/refresh")).toHaveLength(1);
  });

  it("after a reload, trades the stored refresh token before the first call", async () => {
    localStorage.setItem(REFRESH_KEY, "refresh-0");
    const { tokens, authFetch, seen } = setup();
    expect(tokens.signedIn).toBe(true);
    expect(tokens.accessToken).toBeNull();
    await authFetch(new Request("http://api.test/api/me"));
    expect(seen.map((s) => [s.path, s.auth])).toEqual([
      ["/api/auth/refresh", null],
      ["/api/me", "Bearer fresh-1"],
    ]);
  });

  it("signs out when the refresh token is refused, and returns the original 401", async () => {
    const { tokens, authFetch } = setup({ refreshStatus: 401 });
    tokens.save({ accessToken: "old", refreshToken: "spent" });
    const signals: boolean[] = [];
    tokens.subscribe((signedIn) => signals.push(signedIn));
    const response = await authFetch(new Request("http://api.test/api/me"));
    expect(response.status).toBe(401);
    expect(tokens.signedIn).toBe(false);
    expect(localStorage.getItem(REFRESH_KEY)).toBeNull();
    expect(signals).toEqual([false]);
  });

  it("does not refresh on other 401s", async () => {
    const tokens = new TokenStore(localStorage);
    tokens.save({ accessToken: "t", refreshToken: "r" });
    let calls = 0;
    const authFetch = createAuthFetch({
      tokens,
      baseFetch: async () => {
        calls += 1;
        return new Response(JSON.stringify({ code: "invalid_token" }), { status: 401 });
      },
    });
    const response = await authFetch(new Request("http://api.test/api/me"));
    expect(response.status).toBe(401);
    expect(calls).toBe(1);
    expect(tokens.signedIn).toBe(true);
  });
});
