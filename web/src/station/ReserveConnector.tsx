// Book one connector for 15 to 60 minutes: POST /api/reservations; cancel: POST /api/reservations/{id}/cancel.
// During the window only the holder can start there (from the app or with their RFID card).
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useAuth } from "../auth/AuthContext";
import { dateTime } from "../format";

type Reservation = Schemas["ReservationPublic"];

export const DURATIONS = [15, 30, 45, 60] as const;

/** The value of a `datetime-local` input for an instant, in the browser's time zone, to the minute. */
export function localInputValue(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

export function ReserveConnector({
  stationId,
  connectorKey,
  now = () => new Date(),
}: {
  stationId: string;
  connectorKey: string;
  now?: () => Date;
}) {
  const { api, signedIn } = useAuth();
  const id = useId();
  const [startsAt, setStartsAt] = useState(() => localInputValue(now()));
  const [minutes, setMinutes] = useState<number>(30);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<Reservation | null>(null);

  if (!signedIn) {
    return (
      <p className="card">
        <Link to={`/signin?next=${encodeURIComponent(`/stations/${stationId}`)}`}>Sign in</Link> to reserve a
        connector.
      </p>
    );
  }

  async function reserve(event: FormEvent) {
    event.preventDefault();
    const start = new Date(startsAt);
    if (Number.isNaN(start.getTime())) {
      setError("Choose when the reservation starts.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const reservation = unwrap(
        await api.client.POST("/api/reservations", {
          body: { stationId, connectorKey, startsAt: start.toISOString(), durationMinutes: minutes },
        }),
      );
      setMade(reservation);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function cancel(reservation: Reservation) {
    setBusy(true);
    setError(null);
    try {
      const cancelled = unwrap(
        await api.client.POST("/api/reservations/{reservationId}/cancel", {
          params: { path: { reservationId: reservation.id } },
        }),
      );
      setMade(cancelled.status === "cancelled" ? null : cancelled);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  if (made && made.connectorKey === connectorKey) {
    return (
      <section className="card" aria-labelledby={`${id}-h`}>
        <h3 id={`${id}-h`}>Reserve this connector</h3>
        <p className="status ok" role="status">
          Reserved for you from {dateTime(made.startsAt)} until {dateTime(made.endsAt)}. Only you can start
          charging here in that time.
        </p>
        {error && (
          <p className="status error" role="alert">
            {error}
          </p>
        )}
        <button type="button" className="secondary" disabled={busy} onClick={() => void cancel(made)}>
          {busy ? "Cancelling…" : "Cancel reservation"}
        </button>
      </section>
    );
  }

  return (
    <form className="card" onSubmit={reserve} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Reserve this connector</h3>
      <p className="muted">Hold it for up to an hour; only you can start charging here in that time.</p>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-at`}>From</label>
          <input
            id={`${id}-at`}
            type="datetime-local"
            required
            value={startsAt}
            onChange={(e) => setStartsAt(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-min`}>For</label>
          <select id={`${id}-min`} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
            {DURATIONS.map((m) => (
              <option key={m} value={m}>
                {m} minutes
              </option>
            ))}
          </select>
        </div>
      </div>
      {error && (
        <p className="status error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? "Reserving…" : "Reserve"}
      </button>
    </form>
  );
}
