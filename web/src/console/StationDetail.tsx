// One station in the console: its data, its tariff, its chargers and their connectors (add, rotate the
// OCPP password, retire).
import { useId, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";

import type { Bodies, Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { dateTime } from "../format";
import { addressOf, fieldsOf, pointOf, StationForm } from "./StationForm";

type Charger = Schemas["ChargerPublic"];
type ConnectorSpec = Bodies["ConnectorSpec"];
const STANDARDS: Schemas["ConnectorStandard"][] = ["TYPE_2", "CCS2", "CHADEMO", "TYPE_1", "NACS"];

export function StationDetail({ providerId, admin }: { providerId: string; admin: boolean }) {
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
        {(s) => (
          <>
            <h2>{s.name}</h2>
            <StationForm
              initial={fieldsOf(s)}
              submitLabel="Save station"
              allowMaintenance
              onSubmit={async (f) => {
                unwrap(
                  await api.client.PATCH("/api/stations/{stationId}", {
                    params: { path: { stationId } },
                    body: {
                      name: f.name.trim(),
                      address: addressOf(f),
                      location: pointOf(f),
                      timeZone: f.timeZone,
                      lifecycle: f.lifecycle,
                      openingHours: null,
                      amenities: null,
                      photos: null,
                      access: null,
                    },
                  }),
                );
              }}
            />
            {admin && <AttachTariff providerId={providerId} stationId={stationId} current={s.tariffId ?? null} onDone={station.reload} />}
            <Chargers stationId={stationId} />
          </>
        )}
      </Loaded>
    </section>
  );
}

function AttachTariff({
  providerId,
  stationId,
  current,
  onDone,
}: {
  providerId: string;
  stationId: string;
  current: string | null;
  onDone(): void;
}) {
  const api = useApi();
  const id = useId();
  const [tariffId, setTariffId] = useState(current ?? "");
  const [error, setError] = useState<string | null>(null);
  const tariffs = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/providers/{providerId}/tariffs", {
          params: { path: { providerId }, query: { limit: 100 } },
        }),
      ).items,
    [api, providerId],
  );
  async function attach(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      unwrap(
        await api.client.PUT("/api/stations/{stationId}/tariff", {
          params: { path: { stationId } },
          body: { tariffId, chargerId: null, connectorId: null },
        }),
      );
      onDone();
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <form className="card" onSubmit={attach}>
      <h3>Tariff</h3>
      <Loaded load={tariffs} what="Loading tariffs">
        {(items) =>
          items.length === 0 ? (
            <Empty>
              No tariffs yet: <Link to="/console/tariffs">create one</Link>.
            </Empty>
          ) : (
            <div className="field inline">
              <label htmlFor={`${id}-t`}>Tariff for the whole station</label>
              <select id={`${id}-t`} value={tariffId} onChange={(e) => setTariffId(e.target.value)}>
                <option value="">Choose…</option>
                {items.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}: {t.summary}
                  </option>
                ))}
              </select>
              <button type="submit" disabled={!tariffId}>
                Use this tariff
              </button>
            </div>
          )
        }
      </Loaded>
      {error && <ErrorMessage>{error}</ErrorMessage>}
    </form>
  );
}

function Chargers({ stationId }: { stationId: string }) {
  const api = useApi();
  const [adding, setAdding] = useState(false);
  const chargers = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/stations/{stationId}/chargers", {
          params: { path: { stationId }, query: { limit: 100 } },
        }),
      ).items,
    [api, stationId],
  );
  return (
    <section className="card" aria-labelledby="chargers-h">
      <h3 id="chargers-h">Chargers and connectors</h3>
      <button type="button" onClick={() => setAdding(!adding)} aria-expanded={adding}>
        {adding ? "Close the new charger form" : "Add charger"}
      </button>
      {adding && (
        <NewCharger
          stationId={stationId}
          onDone={() => {
            setAdding(false);
            chargers.reload();
          }}
        />
      )}
      <Loaded load={chargers} what="Loading chargers">
        {(items) =>
          items.length === 0 ? (
            <Empty>No chargers at this station yet.</Empty>
          ) : (
            <ul className="cards">
              {items.map((c) => (
                <ChargerItem key={c.id} charger={c} onChange={chargers.reload} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

function ChargerItem({ charger, onChange }: { charger: Charger; onChange(): void }) {
  const api = useApi();
  const id = useId();
  const [password, setPassword] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function rotate(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      unwrap(
        await api.client.POST("/api/chargers/{chargerId}/password", {
          params: { path: { chargerId: charger.id } },
          body: { password },
        }),
      );
      setPassword("");
      setMessage("Password changed: configure the charger with the new one.");
    } catch (e) {
      setError(errorText(e));
    }
  }
  async function retire() {
    if (!window.confirm(`Retire charger ${charger.id}? It can no longer connect.`)) return;
    setError(null);
    try {
      unwrap(await api.client.POST("/api/chargers/{chargerId}/retire", { params: { path: { chargerId: charger.id } } }));
      onChange();
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <li>
      <strong>{charger.id}</strong> {charger.vendor} {charger.model}
      {charger.lifecycle === "retired" && <span className="badge warning">retired</span>}
      <span className="muted"> · password set {dateTime(charger.passwordUpdatedAt)}</span>
      <ul>
        {charger.connectors.map((c) => (
          <li key={c.connectorId}>
            #{c.connectorId}: {c.standard.replace("_", " ")} {c.powerType}, {c.maxPowerKw} kW
          </li>
        ))}
      </ul>
      {charger.lifecycle === "active" && (
        <>
          <form className="field inline" onSubmit={rotate}>
            <label htmlFor={`${id}-pw`}>New OCPP password for {charger.id} (12+ characters)</label>
            <input
              id={`${id}-pw`}
              type="password"
              autoComplete="new-password"
              minLength={12}
              maxLength={128}
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <button type="submit" className="secondary">
              Rotate password
            </button>
          </form>
          <button type="button" className="secondary" onClick={() => void retire()}>
            Retire charger {charger.id}
          </button>
        </>
      )}
      {message && (
        <p className="status" role="status">
          {message}
        </p>
      )}
      {error && <ErrorMessage>{error}</ErrorMessage>}
    </li>
  );
}

function NewCharger({ stationId, onDone }: { stationId: string; onDone(): void }) {
  const api = useApi();
  const id = useId();
  const [identity, setIdentity] = useState("");
  const [vendor, setVendor] = useState("");
  const [model, setModel] = useState("");
  const [password, setPassword] = useState("");
  const [connectors, setConnectors] = useState<ConnectorSpec[]>([
    { connectorId: 1, standard: "TYPE_2", powerType: "AC", maxPowerKw: 22 },
  ]);
  const [error, setError] = useState<string | null>(null);
  const setConnector = (i: number, change: Partial<ConnectorSpec>) =>
    setConnectors(connectors.map((c, n) => (n === i ? { ...c, ...change } : c)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      unwrap(
        await api.client.POST("/api/stations/{stationId}/chargers", {
          params: { path: { stationId } },
          body: { identity: identity.trim(), vendor, model, serialNumber: null, password, connectors },
        }),
      );
      onDone();
    } catch (e) {
      setError(errorText(e));
    }
  }
  const field = (key: string, label: string, value: string, set: (v: string) => void, extra: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input id={`${id}-${key}`} value={value} required onChange={(e) => set(e.target.value)} {...extra} />
    </div>
  );
  return (
    <form onSubmit={submit}>
      <div className="row">
        {field("identity", "Charge point identity", identity, setIdentity, { pattern: "[A-Za-z0-9._\\-:]{1,48}" })}
        {field("vendor", "Vendor", vendor, setVendor, { maxLength: 20 })}
        {field("model", "Model", model, setModel, { maxLength: 20 })}
        {field("password", "OCPP password (12+ characters)", password, setPassword, {
          type: "password",
          minLength: 12,
          autoComplete: "new-password",
        })}
      </div>
      {connectors.map((c, i) => (
        <fieldset key={i} className="row">
          <legend>Connector {c.connectorId}</legend>
          <div className="field">
            <label htmlFor={`${id}-std-${i}`}>Connector {c.connectorId} standard</label>
            <select
              id={`${id}-std-${i}`}
              value={c.standard}
              onChange={(e) => setConnector(i, { standard: e.target.value as ConnectorSpec["standard"] })}
            >
              {STANDARDS.map((s) => (
                <option key={s} value={s}>
                  {s.replace("_", " ")}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-pt-${i}`}>Connector {c.connectorId} power type</label>
            <select
              id={`${id}-pt-${i}`}
              value={c.powerType}
              onChange={(e) => setConnector(i, { powerType: e.target.value as ConnectorSpec["powerType"] })}
            >
              <option value="AC">AC</option>
              <option value="DC">DC</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-kw-${i}`}>Connector {c.connectorId} max. power (kW)</label>
            <input
              id={`${id}-kw-${i}`}
              type="number"
              min={0.1}
              max={1000}
              step="any"
              value={c.maxPowerKw}
              onChange={(e) => setConnector(i, { maxPowerKw: Number(e.target.value) })}
            />
          </div>
        </fieldset>
      ))}
      <div className="toolbar">
        <button
          type="button"
          className="secondary"
          onClick={() =>
            setConnectors([
              ...connectors,
              { connectorId: connectors.length + 1, standard: "CCS2", powerType: "DC", maxPowerKw: 150 },
            ])
          }
        >
          Add connector
        </button>
        {connectors.length > 1 && (
          <button type="button" className="secondary" onClick={() => setConnectors(connectors.slice(0, -1))}>
            Remove last connector
          </button>
        )}
        <button type="submit">Create charger</button>
      </div>
      {error && <ErrorMessage>{error}</ErrorMessage>}
    </form>
  );
}
