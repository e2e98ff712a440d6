// Who sees which part of the app: roles come from GET /api/me (the same roles as the access token).
import type { Me } from "../auth/AuthContext";

export const isProvider = (me: Me | null): boolean =>
  Boolean(me?.providerId) && Boolean(me?.roles.some((r) => r === "provider_admin" || r === "provider_staff"));
export const isProviderAdmin = (me: Me | null): boolean => Boolean(me?.roles.includes("provider_admin"));
export const isAdmin = (me: Me | null): boolean => Boolean(me?.roles.includes("admin"));
