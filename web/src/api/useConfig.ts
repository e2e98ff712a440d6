// What this deployment offers the app (GET /api/config): the payment backend, Stripe's publishable key, whether
// the payment simulator's card form exists. Asked once per page load and shared by every screen that needs it
// (the API also lets the browser cache it for a few minutes); a failed request is asked again next time.
import { useApi } from "../auth/AuthContext";
import { useLoad } from "../components/useLoad";
import type { Api, Schemas } from "./client";
import { unwrap } from "./problem";

export type DeploymentConfig = Schemas["DeploymentConfig"];

const asked = new WeakMap<Api, Promise<DeploymentConfig>>();

export function loadConfig(api: Api): Promise<DeploymentConfig> {
  let pending = asked.get(api);
  if (!pending) {
    pending = api.client.GET("/api/config").then((result) => unwrap(result));
    pending.catch(() => asked.delete(api));
    asked.set(api, pending);
  }
  return pending;
}

export function useConfig() {
  const api = useApi();
  return useLoad(() => loadConfig(api), [api]);
}
