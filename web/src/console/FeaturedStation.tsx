// Featuring a station in search for a period (PUT /api/stations/{id}/featured, at most 90 days) and stopping it
// (DELETE). Everyone in the console sees whether it is featured; only provider admins change it, as the API says.
// Times are typed and shown in the station's time zone.
import { useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { ErrorMessage } from "../components/Status";
import { useFieldErrors, type FieldErrors } from "./form";
import { isoToLocal, localToIso, zonedDateTime } from "./zoned";

type Station = Schemas["StationView"];
interface Period {
  from: string | null;
  until: string | null;
}
const DAY = 24 * 3600 * 1000;
const MAX_DAYS = 90;

export function featuredText(p: Period, now: Date, zone: string): string {
  const at = (iso: string) => zonedDateTime(iso, zone);
  if (!p.from || !p.until) return "Not featured.";
  if (new Date(p.until) <= now) return `Not featured (the last period ended ${at(p.until)}).`;
  if (new Date(p.from) > now) return `Featured from ${at(p.from)} until ${at(p.until)} (not started yet).`;
  return `Featured now, until ${at(p.until)}.`;
}

export function FeaturedStation({
  station,
  admin,
  now = () => new Date(),
}: {
  station: Station;
  admin: boolean;
  now?: () => Date;
}) {
  const api = useApi();
  const form = useFieldErrors();
  const { control, message, id } = form;
  const zone = station.timeZone;
  const [period, setPeriod] = useState<Period>({ from: station.featuredFrom, until: station.featuredUntil });
  const running = Boolean(period.until && new Date(period.until) > now());
  const [from, setFrom] = useState(() => isoToLocal(running && period.from ? period.from : now().toISOString(), zone));
  const [until, setUntil] = useState(() =>
    isoToLocal(running && period.until ? period.until : new Date(now().getTime() + 7 * DAY).toISOString(), zone),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const retired = station.lifecycle === "retired";

  async function feature(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    const found: FieldErrors = {};
    const start = localToIso(from, zone);
    const end = localToIso(until, zone);
    if (!start) found.from = "Give the date and time the feature starts.";
    if (!end) found.until = "Give the date and time it ends.";
    else if (start && end <= start) found.until = "The end must be after the start.";
    else if (start && new Date(end).getTime() - new Date(start).getTime() > MAX_DAYS * DAY)
      found.until = `A station can be featured for at most ${MAX_DAYS} days at a time.`;
    else if (new Date(end) <= now()) found.until = "The period must end in the future.";
    if (form.check(found) || !start || !end) return;
    setBusy(true);
    try {
      const result = unwrap(
        await api.client.PUT("/api/stations/{stationId}/featured", {
          params: { path: { stationId: station.id } },
          body: { from: start, until: end },
        }),
      );
      setPeriod({ from: result.featuredFrom, until: result.featuredUntil });
      setDone("Saved: " + featuredText({ from: result.featuredFrom, until: result.featuredUntil }, now(), zone));
    } catch (e) {
      setError(
        form.refused(e, {
          codes: { featured_period_invalid: "until", featured_period_too_long: "until", featured_period_past: "until" },
        }),
      );
    } finally {
      setBusy(false);
    }
  }

  async function stop() {
    setError(null);
    setDone(null);
    setBusy(true);
    try {
      unwrap(await api.client.DELETE("/api/stations/{stationId}/featured", { params: { path: { stationId: station.id } } }));
      setPeriod({ from: null, until: null });
      setDone("The station is no longer featured.");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  const hint = id("zone-hint");
  return (
    <section className="card" aria-labelledby={id("h")}>
      <h3 id={id("h")}>Featured in search</h3>
      <p data-testid="featured-state">{featuredText(period, now(), zone)}</p>
      {!admin && <p className="muted">Provider admins can feature the station.</p>}
      {admin && !retired && (
        <form ref={form.ref} onSubmit={feature} noValidate aria-label="Feature the station" className="console-form">
          <p id={hint} className="muted">
            Featured stations get a boost in search, for up to {MAX_DAYS} days at a time. Times are in the station&apos;s
            time zone, {zone}; a new period replaces the current one.
          </p>
          <div className="row">
            <div className="field">
              <label htmlFor={id("from")}>Featured from (station time)</label>
              <input type="datetime-local" {...control("from", hint)} value={from} onChange={(e) => setFrom(e.target.value)} />
              {message("from")}
            </div>
            <div className="field">
              <label htmlFor={id("until")}>Featured until (station time)</label>
              <input type="datetime-local" {...control("until", hint)} value={until} onChange={(e) => setUntil(e.target.value)} />
              {message("until")}
            </div>
          </div>
          <div className="toolbar">
            <button type="submit" disabled={busy}>
              Feature this station
            </button>
            {running && (
              <button type="button" className="secondary" disabled={busy} onClick={() => void stop()}>
                Stop featuring
              </button>
            )}
          </div>
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
