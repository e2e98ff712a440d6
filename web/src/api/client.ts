// The typed API client: paths, parameters and bodies come from schema.d.ts, which `npm run gen`
// generates from openapi.json (the app's own /api/openapi.json, see tools/openapi_dump.py).
import createClient from "openapi-fetch";
import type { Readable } from "openapi-typescript-helpers";

import { createAuthFetch, type Fetch } from "./authFetch";
import type { components, paths } from "./schema";
import { TokenStore } from "./tokens";

// as responses arrive (openapi-fetch reads tuples as arrays): what screens hold
export type Schemas = { [K in keyof components["schemas"]]: Readable<components["schemas"][K]> };
export type Bodies = components["schemas"];
export type ApiClient = ReturnType<typeof createClient<paths>>;

export interface Api {
  client: ApiClient;
  tokens: TokenStore;
  fetch: Fetch;
}

export function createApi(options: { baseUrl?: string; baseFetch?: Fetch; storage?: Storage } = {}): Api {
  const tokens = new TokenStore(options.storage);
  const baseUrl = options.baseUrl ?? window.location.origin;
  const authFetch = createAuthFetch({ tokens, baseFetch: options.baseFetch, baseUrl });
  const client = createClient<paths>({ baseUrl, fetch: authFetch });
  return { client, tokens, fetch: authFetch };
}
