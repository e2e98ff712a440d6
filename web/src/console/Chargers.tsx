// A station's chargers and their connectors: add a charger (with its connectors), edit a charger's vendor, model,
// serial number and connectors (PATCH /api/chargers/{id}; the API keeps each connector's tariff), rotate the OCPP
// password (provider admins), retire a charger. Connectors are checked as the API checks them.
import { useRef, useState, type FormEvent } from "react";

import type { Bodies, Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { dateTime, kw } from "../format";
import { useFieldErrors, type FieldErrors, type FieldErrorsApi } from "./form";
import { useRefreshable } from "./useRefreshable";

type Charger = Schemas["ChargerPublic"];
type Standard = Schemas["ConnectorStandard"];
type PowerType = Schemas["PowerType"];
export interface ConnectorDraft {
  connectorId: number;
  standard: Standard;
  powerType: PowerType;
  maxPowerKw: string;
}

const STANDARDS: Standard[] = ["TYPE_2", "CCS2", "CHADEMO", "TYPE_1", "NACS"];
// plugs that fix the current (NACS carries both), and the most AC delivers: as the API checks
const CURRENT: Partial<Record<Standard, PowerType>> = { TYPE_2: "AC", TYPE_1: "AC", CCS2: "DC", CHADEMO: "DC" };
const MAX_AC_KW = 43;
export const standardName = (s: Standard) => s.replace("_", " ");

export function validateConnectors(connectors: ConnectorDraft[]): FieldErrors {
  const found: FieldErrors = {};
  connectors.forEach((c, i) => {
    const fixed = CURRENT[c.standard];
    if (fixed && fixed !== c.powerType) found[`connectors.${i}.powerType`] = `${standardName(c.standard)} is ${fixed}.`;
    const power = Number(c.maxPowerKw);
    if (!c.maxPowerKw.trim() || Number.isNaN(power) || power <= 0 || power > 1000)
      found[`connectors.${i}.maxPowerKw`] = "Max. power is a number of kW above 0, at most 1000.";
    else if (c.powerType === "AC" && power > MAX_AC_KW)
      found[`connectors.${i}.maxPowerKw`] = `AC delivers at most ${MAX_AC_KW} kW.`;
  });
  return found;
}

export const connectorSpecs = (connectors: ConnectorDraft[]): Bodies["ConnectorSpec"][] =>
  connectors.map((c) => ({ connectorId: c.connectorId, standard: c.standard, powerType: c.powerType, maxPowerKw: Number(c.maxPowerKw) }));

// API field paths ("connectors.0.maxPowerKw", "connectors.1" for a connector's own rule) -> the form's fields
function connectorField(apiField: string): string | undefined {
  const one = /^connectors\.(\d+)$/.exec(apiField);
  if (one) return `connectors.${one[1]}.powerType`;
  if (apiField === "connectors") return "connectors.0.standard";
  return apiField;
}

export function Chargers({
  stationId,
  admin,
  retired,
  onChange,
}: {
  stationId: string;
  admin: boolean;
  retired: boolean;
  /** a charger or its connectors changed: the station's connectors did too */
  onChange(): void;
}) {
  const api = useApi();
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const chargers = useRefreshable(
    async () =>
      unwrap(
        await api.client.GET("/api/stations/{stationId}/chargers", {
          params: { path: { stationId }, query: { limit: 100 } },
        }),
      ).items,
    [api, stationId],
  );
  const changed = (text: string) => {
    setNotice(text);
    chargers.refresh().catch(() => chargers.reload());
    onChange();
  };
  return (
    <section className="card" aria-labelledby="chargers-h">
      <h3 id="chargers-h">Chargers and connectors</h3>
      {!retired && (
        <button
          type="button"
          onClick={() => {
            setAdding(!adding);
            setNotice(null);
          }}
          aria-expanded={adding}
        >
          {adding ? "Close the new charger form" : "Add charger"}
        </button>
      )}
      {notice && (
        <p className="status" role="status">
          {notice}
        </p>
      )}
      {adding && (
        <NewCharger
          stationId={stationId}
          onDone={(identity) => {
            setAdding(false);
            changed(`Charger ${identity} added.`);
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
                <ChargerItem key={c.id} charger={c} admin={admin} onChange={changed} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

function ChargerItem({ charger, admin, onChange }: { charger: Charger; admin: boolean; onChange(notice: string): void }) {
  const api = useApi();
  const form = useFieldErrors();
  const [password, setPassword] = useState("");
  const [editing, setEditing] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function rotate(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    if (form.check(password.length < 12 || password.length > 128 ? { password: "The password has 12 to 128 characters." } : {})) return;
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
      setError(form.refused(e));
    }
  }
  async function retire() {
    if (!window.confirm(`Retire charger ${charger.id}? It can no longer connect.`)) return;
    setError(null);
    try {
      unwrap(await api.client.POST("/api/chargers/{chargerId}/retire", { params: { path: { chargerId: charger.id } } }));
      onChange(`Charger ${charger.id} retired.`);
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <li>
      <strong>{charger.id}</strong> {charger.vendor} {charger.model}
      {charger.serialNumber && <span className="muted"> · serial {charger.serialNumber}</span>}
      {charger.lifecycle === "retired" && <span className="badge warning">retired</span>}
      <span className="muted"> · password set {dateTime(charger.passwordUpdatedAt)}</span>
      <ul>
        {charger.connectors.map((c) => (
          <li key={c.connectorId}>
            #{c.connectorId}: {standardName(c.standard)} {c.powerType}, {kw(c.maxPowerKw)}
          </li>
        ))}
      </ul>
      {charger.lifecycle === "active" && (
        <>
          <div className="toolbar">
            <button ref={toggle} type="button" className="secondary" aria-expanded={editing} onClick={() => setEditing(!editing)}>
              {editing ? `Close the connectors of ${charger.id}` : `Edit connectors of ${charger.id}`}
            </button>
            <button type="button" className="secondary" onClick={() => void retire()}>
              Retire charger {charger.id}
            </button>
          </div>
          {editing && (
            <EditCharger
              charger={charger}
              onDone={() => {
                setEditing(false);
                toggle.current?.focus();
                onChange(`Charger ${charger.id} saved.`);
              }}
            />
          )}
          {admin && (
            <form ref={form.ref} className="field inline wrap" onSubmit={rotate} noValidate>
              <label htmlFor={form.id("password")}>New OCPP password for {charger.id} (12+ characters)</label>
              <input
                {...form.control("password")}
                type="password"
                autoComplete="new-password"
                maxLength={128}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
              <button type="submit" className="secondary">
                Rotate password
              </button>
              {form.message("password")}
            </form>
          )}
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

/** The connectors part of the new-charger and edit-charger forms. */
function ConnectorFields({
  form,
  connectors,
  setConnectors,
}: {
  form: FieldErrorsApi;
  connectors: ConnectorDraft[];
  setConnectors(connectors: ConnectorDraft[]): void;
}) {
  const { control, message, id } = form;
  const setConnector = (i: number, change: Partial<ConnectorDraft>) =>
    setConnectors(connectors.map((c, n) => (n === i ? { ...c, ...change } : c)));
  return (
    <>
      {connectors.map((c, i) => (
        <fieldset key={i} className="row">
          <legend>Connector {c.connectorId}</legend>
          <div className="field">
            <label htmlFor={id(`connectors.${i}.standard`)}>Connector {c.connectorId} standard</label>
            <select
              {...control(`connectors.${i}.standard`)}
              value={c.standard}
              onChange={(e) => {
                const standard = e.target.value as Standard;
                setConnector(i, { standard, powerType: CURRENT[standard] ?? c.powerType });
              }}
            >
              {STANDARDS.map((s) => (
                <option key={s} value={s}>
                  {standardName(s)}
                </option>
              ))}
            </select>
            {message(`connectors.${i}.standard`)}
          </div>
          <div className="field">
            <label htmlFor={id(`connectors.${i}.powerType`)}>Connector {c.connectorId} power type</label>
            <select
              {...control(`connectors.${i}.powerType`)}
              value={c.powerType}
              onChange={(e) => setConnector(i, { powerType: e.target.value as PowerType })}
            >
              <option value="AC">AC</option>
              <option value="DC">DC</option>
            </select>
            {message(`connectors.${i}.powerType`)}
          </div>
          <div className="field">
            <label htmlFor={id(`connectors.${i}.maxPowerKw`)}>Connector {c.connectorId} max. power (kW)</label>
            <input
              {...control(`connectors.${i}.maxPowerKw`)}
              inputMode="decimal"
              value={c.maxPowerKw}
              onChange={(e) => setConnector(i, { maxPowerKw: e.target.value })}
            />
            {message(`connectors.${i}.maxPowerKw`)}
          </div>
        </fieldset>
      ))}
      <div className="toolbar">
        <button
          type="button"
          className="secondary"
          onClick={() =>
            setConnectors([...connectors, { connectorId: connectors.length + 1, standard: "CCS2", powerType: "DC", maxPowerKw: "150" }])
          }
        >
          Add connector
        </button>
        {connectors.length > 1 && (
          <button type="button" className="secondary" onClick={() => setConnectors(connectors.slice(0, -1))}>
            Remove connector {connectors.length}
          </button>
        )}
      </div>
    </>
  );
}

function EditCharger({ charger, onDone }: { charger: Charger; onDone(): void }) {
  const api = useApi();
  const form = useFieldErrors();
  const { control, message, id } = form;
  const [vendor, setVendor] = useState(charger.vendor);
  const [model, setModel] = useState(charger.model);
  const [serial, setSerial] = useState(charger.serialNumber ?? "");
  const [connectors, setConnectors] = useState<ConnectorDraft[]>(
    charger.connectors.map((c) => ({ connectorId: c.connectorId, standard: c.standard, powerType: c.powerType, maxPowerKw: String(c.maxPowerKw) })),
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const found = validateConnectors(connectors);
    if (!vendor.trim()) found.vendor = "Give the vendor (up to 20 characters).";
    if (!model.trim()) found.model = "Give the model (up to 20 characters).";
    if (form.check(found)) return;
    setBusy(true);
    try {
      unwrap(
        await api.client.PATCH("/api/chargers/{chargerId}", {
          params: { path: { chargerId: charger.id } },
          // an empty serial number keeps the stored one: the API cannot clear it
          body: { vendor: vendor.trim(), model: model.trim(), serialNumber: serial.trim() || null, connectors: connectorSpecs(connectors) },
        }),
      );
      onDone();
    } catch (e) {
      setError(form.refused(e, { field: connectorField }));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form ref={form.ref} onSubmit={submit} noValidate aria-label={`Connectors of ${charger.id}`} className="charger-form console-form">
      <div className="row">
        <div className="field">
          <label htmlFor={id("vendor")}>Vendor</label>
          <input {...control("vendor")} maxLength={20} value={vendor} onChange={(e) => setVendor(e.target.value)} />
          {message("vendor")}
        </div>
        <div className="field">
          <label htmlFor={id("model")}>Model</label>
          <input {...control("model")} maxLength={20} value={model} onChange={(e) => setModel(e.target.value)} />
          {message("model")}
        </div>
        <div className="field">
          <label htmlFor={id("serialNumber")}>Serial number (optional)</label>
          <input {...control("serialNumber")} maxLength={25} value={serial} onChange={(e) => setSerial(e.target.value)} />
          {message("serialNumber")}
        </div>
      </div>
      <ConnectorFields form={form} connectors={connectors} setConnectors={setConnectors} />
      <p className="muted">Connector tariffs stay as they are; the connectors are numbered 1 to n.</p>
      <button type="submit" disabled={busy}>
        Save charger {charger.id}
      </button>
      {error && <ErrorMessage>{error}</ErrorMessage>}
    </form>
  );
}

function NewCharger({ stationId, onDone }: { stationId: string; onDone(identity: string): void }) {
  const api = useApi();
  const form = useFieldErrors();
  const { control, message, id } = form;
  const [identity, setIdentity] = useState("");
  const [vendor, setVendor] = useState("");
  const [model, setModel] = useState("");
  const [password, setPassword] = useState("");
  const [connectors, setConnectors] = useState<ConnectorDraft[]>([
    { connectorId: 1, standard: "TYPE_2", powerType: "AC", maxPowerKw: "22" },
  ]);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const found = validateConnectors(connectors);
    if (!/^[A-Za-z0-9._\-:]{1,48}$/.test(identity.trim()))
      found.identity = "The identity is 1 to 48 letters, digits or . _ - :";
    if (!vendor.trim()) found.vendor = "Give the vendor (up to 20 characters).";
    if (!model.trim()) found.model = "Give the model (up to 20 characters).";
    if (password.length < 12) found.password = "The password has 12 to 128 characters.";
    if (form.check(found)) return;
    try {
      const made = unwrap(
        await api.client.POST("/api/stations/{stationId}/chargers", {
          params: { path: { stationId } },
          body: { identity: identity.trim(), vendor: vendor.trim(), model: model.trim(), serialNumber: null, password, connectors: connectorSpecs(connectors) },
        }),
      );
      onDone(made.id);
    } catch (e) {
      setError(form.refused(e, { field: connectorField }));
    }
  }
  const field = (key: string, label: string, value: string, set: (v: string) => void, extra: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={id(key)}>{label}</label>
      <input {...control(key)} value={value} aria-required onChange={(e) => set(e.target.value)} {...extra} />
      {message(key)}
    </div>
  );
  return (
    <form ref={form.ref} onSubmit={submit} noValidate aria-label="New charger" className="charger-form console-form">
      <div className="row">
        {field("identity", "Charge point identity", identity, setIdentity, { maxLength: 48 })}
        {field("vendor", "Vendor", vendor, setVendor, { maxLength: 20 })}
        {field("model", "Model", model, setModel, { maxLength: 20 })}
        {field("password", "OCPP password (12+ characters)", password, setPassword, {
          type: "password",
          maxLength: 128,
          autoComplete: "new-password",
        })}
      </div>
      <ConnectorFields form={form} connectors={connectors} setConnectors={setConnectors} />
      <button type="submit">Create charger</button>
      {error && <ErrorMessage>{error}</ErrorMessage>}
    </form>
  );
}
