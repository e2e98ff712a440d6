// The provider's stations (every lifecycle, up to the API's page limit): the console's pickers and lists.
import type { Api } from "../api/client";
import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { useLoad } from "../components/useLoad";

export async function providerStations(api: Api, providerId: string) {
  return unwrap(
    await api.client.GET("/api/providers/{providerId}/stations", { params: { path: { providerId }, query: { limit: 100 } } }),
  ).items;
}

export function useProviderStations(providerId: string) {
  const api = useApi();
  return useLoad(() => providerStations(api, providerId), [api, providerId]);
}
