// Which tariff prices a station, and each of its connectors: PUT /api/stations/{id}/tariff with TariffAttach,
// without a connector for the whole station (the price shown in search), with chargerId/connectorId for one
// connector. Provider admins only (the API refuses staff).
import { useState, type FormEvent } from "react";
import { Link } from "react-router";

import type { Schemas } from "../api/client";
import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { kw } from "../format";
import { standardName } from "./Chargers";
import { useFieldErrors } from "./form";

type Station = Schemas["StationView"];
type Connector = Schemas["StationConnector"];
const keyOf = (c: Connector) => `${c.chargerId}/${c.connectorId}`;
export const connectorText = (c: Connector) => `Connector ${keyOf(c)} (${standardName(c.standard)}, ${kw(c.maxPowerKw)})`;

export function StationTariff({
  providerId,
  station,
  onChanged,
}: {
  providerId: string;
  station: Station;
  onChanged(): void;
}) {
  const api = useApi();
  const form = useFieldErrors();
  const { control, message, id } = form;
  const connectors = station.connectors ?? [];
  const [scope, setScope] = useState("");
  const [tariffId, setTariffId] = useState(station.tariffId ?? "");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const tariffs = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/providers/{providerId}/tariffs", {
          params: { path: { providerId }, query: { limit: 100 } },
        }),
      ).items,
    [api, providerId],
  );
  const nameOf = (id: string | null | undefined) =>
    id ? (tariffs.data?.find((t) => t.id === id)?.name ?? id) : null;
  const chosen = connectors.find((c) => keyOf(c) === scope);

  function changeScope(value: string) {
    setScope(value);
    setDone(null);
    const connector = connectors.find((c) => keyOf(c) === value);
    setTariffId((connector ? connector.tariffId : station.tariffId) ?? "");
  }

  async function attach(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    if (form.check(tariffId ? {} : { tariff: "Choose a tariff." })) return;
    try {
      unwrap(
        await api.client.PUT("/api/stations/{stationId}/tariff", {
          params: { path: { stationId: station.id } },
          body: { tariffId, chargerId: chosen?.chargerId ?? null, connectorId: chosen?.connectorId ?? null },
        }),
      );
      const name = nameOf(tariffId);
      setDone(chosen ? `“${name}” now prices connector ${keyOf(chosen)}.` : `“${name}” is now the station's tariff.`);
      onChanged();
    } catch (e) {
      setError(form.refused(e, { field: (f) => (f === "tariffId" ? "tariff" : "scope") }));
    }
  }

  return (
    <section className="card" aria-labelledby={id("h")}>
      <h3 id={id("h")}>Tariff</h3>
      <Loaded load={tariffs} what="Loading tariffs">
        {(items) =>
          items.length === 0 ? (
            <Empty>
              No tariffs yet: <Link to="/console/tariffs">create one</Link>.
            </Empty>
          ) : (
            <>
              <p>
                Whole station: {nameOf(station.tariffId) ?? "no tariff yet"}
                {station.priceSummary && <span className="muted"> ({station.priceSummary.text})</span>}
              </p>
              {connectors.length > 0 && (
                <div className="scroll-x">
                  <table className="table">
                    <caption className="sr-only">Tariff of each connector</caption>
                    <thead>
                      <tr>
                        <th scope="col">Connector</th>
                        <th scope="col">Tariff</th>
                      </tr>
                    </thead>
                    <tbody>
                      {connectors.map((c) => (
                        <tr key={keyOf(c)}>
                          <td>{connectorText(c)}</td>
                          <td>{c.tariffId ? nameOf(c.tariffId) : "the station's tariff"}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <form ref={form.ref} onSubmit={attach} noValidate aria-label="Choose a tariff" className="console-form">
                <div className="row">
                  <div className="field">
                    <label htmlFor={id("scope")}>Applies to</label>
                    <select {...control("scope")} value={scope} onChange={(e) => changeScope(e.target.value)}>
                      <option value="">The whole station</option>
                      {connectors.map((c) => (
                        <option key={keyOf(c)} value={keyOf(c)}>
                          {connectorText(c)}
                        </option>
                      ))}
                    </select>
                    {message("scope")}
                  </div>
                  <div className="field">
                    <label htmlFor={id("tariff")}>Tariff</label>
                    <select {...control("tariff")} value={tariffId} onChange={(e) => setTariffId(e.target.value)}>
                      <option value="">Choose…</option>
                      {items.map((t) => (
                        <option key={t.id} value={t.id}>
                          {t.name}: {t.summary}
                        </option>
                      ))}
                    </select>
                    {message("tariff")}
                  </div>
                </div>
                <button type="submit">Use this tariff</button>
                {error && <ErrorMessage>{error}</ErrorMessage>}
                {done && (
                  <p className="status" role="status">
                    {done}
                  </p>
                )}
              </form>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
