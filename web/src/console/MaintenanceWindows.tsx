// A station's maintenance windows (GET/POST /api/stations/{id}/maintenance-windows, DELETE .../{windowId}):
// the current and upcoming ones, plan one for the whole station or one connector, remove one. Times are typed
// and shown in the station's time zone, which the form says. Provider admins and staff alike.
import { useRef, useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useFieldErrors, type FieldErrors } from "./form";
import { connectorText } from "./StationTariff";
import { useRefreshable } from "./useRefreshable";
import { localToIso, zonedDateTime } from "./zoned";

type Station = Schemas["StationView"];
type Window = Schemas["MaintenanceWindow"];

const scopeOf = (w: { chargerId: string | null; connectorId: number | null }) =>
  w.chargerId === null ? "" : `${w.chargerId}/${w.connectorId}`;
// as the API: both in time, and the same connector or either one station-wide
const overlaps = (a: Window, b: Window) =>
  a.startsAt < b.endsAt &&
  b.startsAt < a.endsAt &&
  (a.chargerId === null || b.chargerId === null || scopeOf(a) === scopeOf(b));

export function MaintenanceWindows({ station, now = () => new Date() }: { station: Station; now?: () => Date }) {
  const api = useApi();
  const form = useFieldErrors();
  const { control, message, id } = form;
  const zone = station.timeZone;
  const retired = station.lifecycle === "retired";
  const connectors = station.connectors ?? [];
  const [scope, setScope] = useState("");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const windows = useRefreshable(
    async () =>
      unwrap(
        await api.client.GET("/api/stations/{stationId}/maintenance-windows", {
          params: { path: { stationId: station.id } },
        }),
      ),
    [api, station.id],
  );
  const at = (iso: string) => zonedDateTime(iso, zone);
  const where = (w: Window) => {
    if (w.chargerId === null) return "Whole station";
    const c = connectors.find((x) => x.chargerId === w.chargerId && x.connectorId === w.connectorId);
    return c ? connectorText(c) : `Connector ${scopeOf(w)}`;
  };

  async function add(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    const found: FieldErrors = {};
    const startsAt = localToIso(start, zone);
    const endsAt = localToIso(end, zone);
    if (!startsAt) found.startsAt = "Give the date and time the maintenance starts.";
    if (!endsAt) found.endsAt = "Give the date and time the maintenance ends.";
    else if (startsAt && endsAt <= startsAt) found.endsAt = "The end must be after the start.";
    else if (new Date(endsAt) <= now()) found.endsAt = "The window must end in the future.";
    if (reason.length > 500) found.reason = "The reason is at most 500 characters.";
    const chosen = connectors.find((c) => `${c.chargerId}/${c.connectorId}` === scope);
    if (startsAt && endsAt && !found.endsAt) {
      const planned: Window = {
        id: "",
        chargerId: chosen?.chargerId ?? null,
        connectorId: chosen?.connectorId ?? null,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(endsAt).toISOString(),
        reason,
      };
      const clash = (windows.data ?? []).find((w) => overlaps(normal(w), planned));
      if (clash) found.startsAt = `It overlaps the window from ${at(clash.startsAt)} to ${at(clash.endsAt)} (${where(clash)}).`;
    }
    if (form.check(found) || !startsAt || !endsAt) return;
    setBusy(true);
    try {
      const made = unwrap(
        await api.client.POST("/api/stations/{stationId}/maintenance-windows", {
          params: { path: { stationId: station.id } },
          body: { chargerId: chosen?.chargerId ?? null, connectorId: chosen?.connectorId ?? null, startsAt, endsAt, reason: reason.trim() },
        }),
      );
      setDone(`Maintenance planned from ${at(made.startsAt)} to ${at(made.endsAt)}.`);
      setStart("");
      setEnd("");
      setReason("");
      await windows.refresh().catch(() => windows.reload());
    } catch (e) {
      setError(
        form.refused(e, {
          field: (f) => (f === "chargerId" || f === "connectorId" ? "scope" : f),
          codes: { maintenance_overlap: "startsAt", maintenance_in_past: "endsAt", unknown_connector: "scope" },
        }),
      );
    } finally {
      setBusy(false);
    }
  }

  async function remove(w: Window) {
    setError(null);
    setDone(null);
    try {
      unwrap(
        await api.client.DELETE("/api/stations/{stationId}/maintenance-windows/{windowId}", {
          params: { path: { stationId: station.id, windowId: w.id } },
        }),
      );
      setDone(`The window from ${at(w.startsAt)} was removed.`);
      form.clear();
      await windows.refresh().catch(() => windows.reload());
      heading.current?.focus();
    } catch (e) {
      setError(errorText(e));
    }
  }

  const hint = id("zone-hint");
  return (
    <section className="card" aria-labelledby={id("h")}>
      <h3 id={id("h")} ref={heading} tabIndex={-1}>
        Maintenance windows
      </h3>
      <Loaded load={windows} what="Loading maintenance windows">
        {(items) => {
          const t = now().getTime();
          const upcoming = items.filter((w) => new Date(w.endsAt).getTime() > t);
          return upcoming.length === 0 ? (
            <Empty>No maintenance planned.</Empty>
          ) : (
            <ul className="cards" aria-label="Current and upcoming maintenance">
              {upcoming.map((w) => (
                <li key={w.id}>
                  <strong>
                    {at(w.startsAt)} – {at(w.endsAt)}
                  </strong>
                  {new Date(w.startsAt).getTime() <= t && <span className="badge warning">in progress</span>}
                  <span className="muted"> · {where(w)}</span>
                  {w.reason && <p>{w.reason}</p>}
                  {!retired && (
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Remove the maintenance window from ${at(w.startsAt)}`}
                      onClick={() => void remove(w)}
                    >
                      Remove
                    </button>
                  )}
                </li>
              ))}
            </ul>
          );
        }}
      </Loaded>
      {!retired && (
        <form ref={form.ref} onSubmit={add} noValidate aria-label="Plan maintenance" className="console-form">
          <h4>Plan maintenance</h4>
          <p id={hint} className="muted">
            Times are in the station&apos;s time zone, {zone}. Drivers with a reservation in the window are told.
          </p>
          <div className="row">
            <div className="field">
              <label htmlFor={id("scope")}>Maintenance of</label>
              <select {...control("scope")} value={scope} onChange={(e) => setScope(e.target.value)}>
                <option value="">The whole station</option>
                {connectors.map((c) => (
                  <option key={`${c.chargerId}/${c.connectorId}`} value={`${c.chargerId}/${c.connectorId}`}>
                    {connectorText(c)}
                  </option>
                ))}
              </select>
              {message("scope")}
            </div>
            <div className="field">
              <label htmlFor={id("startsAt")}>Start (station time)</label>
              <input type="datetime-local" {...control("startsAt", hint)} value={start} onChange={(e) => setStart(e.target.value)} />
              {message("startsAt")}
            </div>
            <div className="field">
              <label htmlFor={id("endsAt")}>End (station time)</label>
              <input type="datetime-local" {...control("endsAt", hint)} value={end} onChange={(e) => setEnd(e.target.value)} />
              {message("endsAt")}
            </div>
          </div>
          <div className="field">
            <label htmlFor={id("reason")}>Reason (optional, drivers see it)</label>
            <input {...control("reason")} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
            {message("reason")}
          </div>
          <button type="submit" disabled={busy}>
            Plan maintenance
          </button>
        </form>
      )}
      {error && <ErrorMessage>{error}</ErrorMessage>}
      {done && (
        <p className="status" role="status">
          {done}
        </p>
      )}
    </section>
  );
}

// the API's times may carry any offset: compare them as UTC ISO strings
const normal = (w: Window): Window => ({ ...w, startsAt: new Date(w.startsAt).toISOString(), endsAt: new Date(w.endsAt).toISOString() });
