// A station's live availability in one word, which colours its marker and its list entry.
import type { Schemas } from "../api/client";

export type Station = Schemas["StationSearchResult"];
export type Availability = "available" | "busy" | "unknown";

export function availabilityOf(station: Station): Availability {
  const counts = Object.values(station.availability ?? {});
  const total = counts.reduce((n, a) => n + (a?.total ?? 0), 0);
  const free = counts.reduce((n, a) => n + (a?.available ?? 0), 0);
  if (total === 0) return "unknown";
  return free > 0 ? "available" : "busy";
}

export function availabilityText(station: Station): string {
  const parts = Object.entries(station.availability ?? {}).map(
    ([standard, a]) => `${standard.replace("_", " ")}: ${a?.available ?? 0} of ${a?.total ?? 0} free`,
  );
  return parts.length ? parts.join(", ") : "No connectors";
}
