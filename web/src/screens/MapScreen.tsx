// Find a station: the filters, then the map (or the list) of what the search returns.
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";

import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded, Loading } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { FilterPanel } from "../search/FilterPanel";
import { NO_FILTERS, stationQuery, type Area, type SearchFilters } from "../search/filters";
import type { Place } from "../search/geocode";
import { PlaceSearch } from "../search/PlaceSearch";
import { StationList } from "../search/StationList";

const StationMap = lazy(() => import("../search/StationMap"));

const BERLIN: [number, number] = [52.52, 13.405];

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function MapScreen() {
  const api = useApi();
  const [view, setView] = useState<"map" | "list">("map");
  const [filters, setFilters] = useState<SearchFilters>(NO_FILTERS);
  const [area, setArea] = useState<Area>({ kind: "radius", lat: BERLIN[0], lon: BERLIN[1], radiusKm: 5 });
  const [focus, setFocus] = useState<[number, number] | null>(null);
  const [locating, setLocating] = useState<string | null>(null);
  const query = useDebounced(
    useMemo(() => stationQuery(area, filters), [area, filters]),
    300,
  ); // one search when the map stops moving or the typing pauses
  const results = useLoad(
    async () => unwrap(await api.client.GET("/api/stations", { params: { query } })).items,
    [api, JSON.stringify(query)],
  );
  const onArea = useCallback((next: Area) => setArea(next), []);
  // phones: the filters fold away so the map comes first; desktops show them open
  const [wide] = useState(() => typeof window.matchMedia === "function" && matchMedia("(min-width: 900px)").matches);
  const active = Object.keys(stationQuery(area, filters)).filter((k) => !["limit", "bbox", "lat", "lon", "radiusKm"].includes(k)).length;

  function nearMe() {
    if (!("geolocation" in navigator)) {
      setLocating("This browser cannot tell where you are.");
      return;
    }
    setLocating("Finding where you are…");
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setLocating(null);
        setFocus([p.coords.latitude, p.coords.longitude]);
        setArea({ kind: "radius", lat: p.coords.latitude, lon: p.coords.longitude, radiusKm: 5 });
      },
      () => setLocating("Your position is not available; move the map instead."),
    );
  }

  function goTo(place: Place) {
    setFocus([place.lat, place.lon]);
    setArea({ kind: "radius", lat: place.lat, lon: place.lon, radiusKm: 5 });
  }

  const stations = results.state === "ready" ? results.data : [];
  return (
    <div className="map-screen">
      <aside className="sidebar">
        <h1>Find a charger</h1>
        <PlaceSearch onPlace={goTo} />
        <details className="filter-box" open={wide}>
          <summary>Filters{active > 0 && ` (${active} set)`}</summary>
          <FilterPanel value={filters} onChange={setFilters} />
        </details>
        <div className="toolbar" role="group" aria-label="View">
          <button type="button" aria-pressed={view === "map"} onClick={() => setView("map")}>
            Map
          </button>
          <button type="button" aria-pressed={view === "list"} onClick={() => setView("list")}>
            List
          </button>
          <button type="button" className="secondary" onClick={nearMe}>
            Near me
          </button>
        </div>
        {locating && <p role="status">{locating}</p>}
        <ul className="legend" aria-label="Marker colours">
          <li className="available">A connector is free</li>
          <li className="busy">None free now (busy or offline)</li>
          <li className="unknown">No connectors listed</li>
        </ul>
        <p className="muted" aria-live="polite">
          {results.state === "ready" && `${stations.length} station${stations.length === 1 ? "" : "s"} here`}
        </p>
      </aside>
      <section className="results" aria-label="Stations">
        {view === "map" ? (
          <Suspense fallback={<Loading what="Loading the map" />}>
            <StationMap stations={stations} center={BERLIN} focus={focus} onArea={onArea} />
            {results.state === "error" && <ErrorMessage retry={results.reload}>{results.error}</ErrorMessage>}
          </Suspense>
        ) : (
          <Loaded load={results} what="Searching">
            {(items) =>
              items.length ? <StationList stations={items} /> : <Empty>No station matches here. Try fewer filters.</Empty>
            }
          </Loaded>
        )}
      </section>
    </div>
  );
}
