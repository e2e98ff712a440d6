// The fetch every API call goes through: adds the bearer token, and when the API answers
// 401 `token_expired` (or there is no access token yet after a reload) trades the refresh
// token for a new pair once, shared by every request waiting on it, then retries.
import type { TokenPair, TokenStore } from "./tokens";

export type Fetch = (request: Request) => Promise<Response>;

const REFRESH_PATH = "/api/auth/refresh";

export interface AuthFetchOptions {
  tokens: TokenStore;
  baseFetch?: Fetch;
  baseUrl?: string;
}

async function problemCode(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.clone().json();
    if (body && typeof body === "object" && "code" in body && typeof body.code === "string") return body.code;
  } catch {
    // not a problem document
  }
  return undefined;
}

export function createAuthFetch({ tokens, baseFetch, baseUrl = "" }: AuthFetchOptions): Fetch {
  const send: Fetch = baseFetch ?? ((request) => fetch(request));
  let refreshing: Promise<boolean> | null = null;

  async function refresh(): Promise<boolean> {
    const refreshToken = tokens.refreshToken;
    if (refreshToken === null) return false;
    const response = await send(
      new Request(`${baseUrl}${REFRESH_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refreshToken }),
      }),
    );
    if (!response.ok) {
      // spent, revoked or expired: the sign-in is over (a network error leaves it as it is)
      if (response.status === 401 || response.status === 400 || response.status === 422) tokens.clear();
      return false;
    }
    tokens.save((await response.json()) as TokenPair);
    return true;
  }

  function refreshOnce(): Promise<boolean> {
    refreshing ??= refresh().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  function withToken(request: Request): Request {
    const token = tokens.accessToken;
    if (token === null) return request;
    const authorised = new Request(request);
    authorised.headers.set("authorization", `Bearer ${token}`);
    return authorised;
  }

  return async function authFetch(request: Request): Promise<Response> {
    if (new URL(request.url, "http://x").pathname === REFRESH_PATH) return send(request);
    if (tokens.accessToken === null && tokens.refreshToken !== null) await refreshOnce();
    const retry = request.clone();
    const response = await send(withToken(request));
    if (response.status !== 401 || tokens.refreshToken === null) return response;
    if ((await problemCode(response)) !== "token_expired") return response;
    if (!(await refreshOnce())) return response;
    return send(withToken(retry));
  };
}
