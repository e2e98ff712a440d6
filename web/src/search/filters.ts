// The station search's filters and the query GET /api/stations takes (its OpenAPI parameters).
import type { operations } from "../api/schema";

export type StationQuery = NonNullable<operations["search_stations"]["parameters"]["query"]>;

export interface SearchFilters {
  q: string;
  standard: string; // "" = any
  minPowerKw: string;
  availableNow: boolean;
  maxPricePerKwh: string;
  minRating: string;
  minReliability: string;
}

export const NO_FILTERS: SearchFilters = {
  q: "",
  standard: "",
  minPowerKw: "",
  availableNow: false,
  maxPricePerKwh: "",
  minRating: "",
  minReliability: "",
};

export const STANDARDS = [
  ["TYPE_2", "Type 2"],
  ["CCS2", "CCS (Combo 2)"],
  ["CHADEMO", "CHAdeMO"],
  ["TYPE_1", "Type 1"],
  ["NACS", "NACS"],
] as const;

export type Area =
  | { kind: "radius"; lat: number; lon: number; radiusKm: number }
  | { kind: "bbox"; west: number; south: number; east: number; north: number };

const positive = (text: string): number | undefined => {
  const value = Number(text.replace(",", "."));
  return text.trim() !== "" && Number.isFinite(value) && value > 0 ? value : undefined;
};

const round = (n: number) => Math.round(n * 1e5) / 1e5;

/** The query for GET /api/stations: the area, and only the filters that are set. */
export function stationQuery(area: Area, filters: SearchFilters, limit = 100): StationQuery {
  const query: StationQuery = { limit };
  if (area.kind === "radius") {
    Object.assign(query, { lat: round(area.lat), lon: round(area.lon), radiusKm: area.radiusKm });
  } else {
    query.bbox = [area.west, area.south, area.east, area.north].map(round).join(",");
  }
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.standard) query.standard = filters.standard;
  const minPower = positive(filters.minPowerKw);
  if (minPower !== undefined) query.minPowerKw = minPower;
  if (filters.availableNow) query.availableNow = true;
  const maxPrice = positive(filters.maxPricePerKwh);
  if (maxPrice !== undefined) query.maxPricePerKwh = maxPrice;
  const minRating = positive(filters.minRating);
  if (minRating !== undefined) query.minRating = minRating;
  const minReliability = positive(filters.minReliability);
  if (minReliability !== undefined) query.minReliability = Math.round(minReliability);
  return query;
}
