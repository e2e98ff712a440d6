// One station in the console: its data (with opening hours and amenities), its tariffs (whole station and per
// connector), chargers and connectors, maintenance windows, whether it is featured, and retiring it. The page
// keeps the station the API last answered, so a save shows at once (the heading too) without a reload.
import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { Chargers } from "./Chargers";
import { FeaturedStation } from "./FeaturedStation";
import { MaintenanceWindows } from "./MaintenanceWindows";
import { addressOf, amenitiesOf, fieldsOf, openingHoursOf, photosOf, pointOf, StationForm } from "./StationForm";
import { StationTariff } from "./StationTariff";

type Station = Schemas["StationView"];

export function StationDetail({ providerId, admin, now }: { providerId: string; admin: boolean; now?: () => Date }) {
  const api = useApi();
  const { stationId = "" } = useParams();
  const station = useLoad(
    async () => unwrap(await api.client.GET("/api/stations/{stationId}", { params: { path: { stationId } } })),
    [api, stationId],
  );
  return (
    <section>
      <p>
        <Link to="/console">← All stations</Link>
      </p>
      <Loaded load={station} what="Loading the station">
        {(s) => <StationPage key={s.id} initial={s} providerId={providerId} admin={admin} now={now} />}
      </Loaded>
    </section>
  );
}

function StationPage({
  initial,
  providerId,
  admin,
  now,
}: {
  initial: Station;
  providerId: string;
  admin: boolean;
  now?: () => Date;
}) {
  const api = useApi();
  const [station, setStation] = useState(initial);
  const stationId = station.id;
  const retired = station.lifecycle === "retired";
  const heading = useRef<HTMLHeadingElement>(null);
  // after a change elsewhere (tariff, chargers): the station's connectors and prices as the API has them now
  const refresh = useCallback(async () => {
    const result = await api.client.GET("/api/stations/{stationId}", { params: { path: { stationId } } });
    if (result.data) setStation(result.data);
  }, [api, stationId]);

  return (
    <>
      <h2 ref={heading} tabIndex={-1}>
        {station.name}
        {retired && (
          <>
            {" "}
            <span className="badge warning">retired</span>
          </>
        )}
      </h2>
      {retired ? (
        <p className="status warning">This station is retired: it is off the map, its chargers cannot connect, and it can no longer change.</p>
      ) : (
        <StationForm
          initial={fieldsOf(station)}
          current={station.lifecycle === "retired" ? undefined : station.lifecycle}
          submitLabel="Save station"
          onSubmit={async (f) => {
            setStation(
              unwrap(
                await api.client.PATCH("/api/stations/{stationId}", {
                  params: { path: { stationId } },
                  body: {
                    name: f.name.trim(),
                    address: addressOf(f),
                    location: pointOf(f),
                    timeZone: f.timeZone.trim(),
                    lifecycle: f.lifecycle,
                    openingHours: openingHoursOf(f),
                    amenities: amenitiesOf(f),
                    photos: photosOf(f),
                    access: f.access,
                  },
                }),
              ),
            );
          }}
        />
      )}
      {admin && !retired && <StationTariff providerId={providerId} station={station} onChanged={() => void refresh()} />}
      {!admin && (
        <section className="card" aria-label="Tariff">
          <h3>Tariff</h3>
          <p>{station.priceSummary?.text ?? "No tariff yet."}</p>
          <p className="muted">Provider admins choose the tariffs.</p>
        </section>
      )}
      <Chargers key={station.lifecycle} stationId={stationId} admin={admin} retired={retired} onChange={() => void refresh()} />
      <MaintenanceWindows station={station} now={now} />
      <FeaturedStation station={station} admin={admin} now={now} />
      {!retired && (
        <RetireStation
          station={station}
          onRetired={(s) => {
            setStation(s);
            requestAnimationFrame(() => heading.current?.focus());
          }}
        />
      )}
    </>
  );
}

function RetireStation({ station, onRetired }: { station: Station; onRetired(s: Station): void }) {
  const api = useApi();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const keep = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) keep.current?.focus();
  }, [confirming]);

  async function retire() {
    setBusy(true);
    setError(null);
    try {
      onRetired(unwrap(await api.client.POST("/api/stations/{stationId}/retire", { params: { path: { stationId: station.id } } })));
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }
  const chargers = new Set((station.connectors ?? []).map((c) => c.chargerId)).size;
  return (
    <section className="card danger-zone" aria-labelledby="retire-h">
      <h3 id="retire-h">Retire the station</h3>
      {!confirming ? (
        <>
          <p>Retiring is final: the station leaves the map and its chargers can no longer connect.</p>
          <button ref={opener} type="button" className="danger" onClick={() => setConfirming(true)}>
            Retire station…
          </button>
        </>
      ) : (
        <div role="group" aria-labelledby="retire-q" aria-describedby="retire-what">
          <p id="retire-q">
            <strong>Retire “{station.name}” for good?</strong>
          </p>
          <p id="retire-what">
            {chargers === 1 ? "Its charger is" : `Its ${chargers} chargers are`} retired with it. Sessions cannot start
            there any more, and this cannot be undone.
          </p>
          <div className="toolbar">
            <button type="button" className="danger" disabled={busy} onClick={() => void retire()}>
              Yes, retire this station
            </button>
            <button
              ref={keep}
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => {
                setConfirming(false);
                setError(null);
                requestAnimationFrame(() => opener.current?.focus());
              }}
            >
              Keep the station
            </button>
          </div>
        </div>
      )}
      {error && <ErrorMessage>{error}</ErrorMessage>}
    </section>
  );
}
