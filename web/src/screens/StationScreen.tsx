// One station: its connectors and their live status, price, reliability, reviews; charge here.
import { useState } from "react";
import { Link, useParams } from "react-router";

import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { dateTime, number, percent } from "../format";
import { connectorKey, connectorLabel, statusOf, type StationView } from "../station/connectors";
import { PriceEstimate } from "../station/PriceEstimate";
import { ReportProblem } from "../station/ReportProblem";
import { ReserveConnector } from "../station/ReserveConnector";
import { Reviews } from "../station/Reviews";
import { StartCharging } from "../station/StartCharging";

export function StationScreen() {
  const { stationId = "" } = useParams();
  const api = useApi();
  const station = useLoad(
    async () =>
      unwrap(await api.client.GET("/api/stations/{stationId}", { params: { path: { stationId } } })),
    [api, stationId],
  );
  return (
    <div className="page">
      <p>
        <Link to="/">← Back to the map</Link>
      </p>
      <Loaded load={station} what="Loading the station">
        {(s) => <StationDetails station={s} reload={station.reload} />}
      </Loaded>
    </div>
  );
}

function StationDetails({ station, reload }: { station: StationView; reload(): void }) {
  const connectors = station.connectors ?? [];
  const [selected, setSelected] = useState(connectors[0] ? connectorKey(connectors[0]) : "");
  const r = station.reliability;
  return (
    <>
      <h1>{station.name}</h1>
      <p className="muted">
        {station.address.street}, {station.address.postalCode} {station.address.city} · {station.providerName}
      </p>
      <p>
        {station.priceSummary?.text ?? "No tariff published"}
        {station.ratingAverage != null && ` · ★ ${number(station.ratingAverage, 1)} (${station.ratingCount})`}
      </p>
      {r && (
        <p>
          Reliability: {r.score == null ? "not known yet" : `${r.score}/100`}
          {r.sessionSuccess != null && ` · ${percent(r.sessionSuccess)} of recent sessions delivered energy`}
          {r.online === false && " · the charger has not been heard from lately"}
        </p>
      )}
      {(station.maintenance ?? []).map((m) => (
        <p key={m.id} className="status warning">
          Maintenance {dateTime(m.startsAt)} – {dateTime(m.endsAt)} {m.reason && `: ${m.reason}`}
        </p>
      ))}
      <section className="card" aria-labelledby="connectors-h">
        <h2 id="connectors-h">Connectors</h2>
        <button type="button" className="secondary" onClick={reload}>
          Refresh status
        </button>
        <fieldset className="connectors">
          <legend>Choose a connector</legend>
          {connectors.map((c) => {
            const key = connectorKey(c);
            const status = statusOf(station, c);
            return (
              <label key={key} className={`connector status-${status.toLowerCase()}`}>
                <input
                  type="radio"
                  name="connector"
                  value={key}
                  checked={selected === key}
                  onChange={() => setSelected(key)}
                />
                <span>{connectorLabel(c)}</span> <strong>{status}</strong>
                {c.suspect && <span className="badge warning">Reported faulty</span>}
              </label>
            );
          })}
        </fieldset>
      </section>
      {selected && (
        <div className="two-columns">
          <PriceEstimate stationId={station.id} connectorKey={selected} />
          <StartCharging stationId={station.id} connectorKey={selected} />
          <ReserveConnector key={selected} stationId={station.id} connectorKey={selected} />
        </div>
      )}
      <ReportProblem stationId={station.id} connectors={connectors} />
      <Reviews stationId={station.id} />
    </>
  );
}
