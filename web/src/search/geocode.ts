// Search by place: a place name or an address turned into a position by a Nominatim-compatible geocoder
// (OpenStreetMap's by default, as the map's tiles are; VITE_GEOCODER_URL points elsewhere, e.g. a
// self-hosted Nominatim). Only on an explicit search, never per keystroke (Nominatim's usage policy).

export interface Place {
  name: string;
  lat: number;
  lon: number;
}

export const GEOCODER_URL: string =
  (import.meta.env.VITE_GEOCODER_URL as string | undefined) || "https://nominatim.openstreetmap.org/search";

interface NominatimHit {
  display_name?: unknown;
  lat?: unknown;
  lon?: unknown;
}

export class GeocoderError extends Error {
  override name = "GeocoderError";
}

/** Up to five places matching `query`, best first, named in the browser's language. */
export async function geocode(
  query: string,
  { fetchFn = fetch, language = navigator.language, url = GEOCODER_URL, signal }: {
    fetchFn?: typeof fetch;
    language?: string;
    url?: string;
    signal?: AbortSignal;
  } = {},
): Promise<Place[]> {
  const address = new URL(url);
  address.search = new URLSearchParams({ q: query.trim(), format: "jsonv2", limit: "5" }).toString();
  let response: Response;
  try {
    response = await fetchFn(address, { headers: { "accept-language": language }, signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new GeocoderError("The place search cannot be reached. Move the map or search by name instead.");
  }
  if (!response.ok) {
    throw new GeocoderError(`The place search answered ${response.status}. Try again in a moment.`);
  }
  const hits = (await response.json()) as unknown;
  if (!Array.isArray(hits)) throw new GeocoderError("The place search gave an answer this app cannot read.");
  return (hits as NominatimHit[]).flatMap((hit) => {
    const lat = Number(hit.lat);
    const lon = Number(hit.lon);
    const ok = typeof hit.display_name === "string" && Number.isFinite(lat) && Number.isFinite(lon);
    return ok && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [{ name: hit.display_name as string, lat, lon }] : [];
  });
}
