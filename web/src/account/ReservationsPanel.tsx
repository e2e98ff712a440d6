// The driver's reservations, newest first: GET /api/reservations (paged; each carries its station's name as it
// was when booked, null on reservations stored before the API kept it: the station's id stands in), and
// POST /api/reservations/{id}/cancel for a confirmed one whose window is not over.
import { useState } from "react";
import { Link } from "react-router";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { dateTime } from "../format";
import { Done } from "./fields";

type Reservation = Schemas["ReservationPublic"];

const STATUS: Record<Reservation["status"], string> = {
  confirmed: "Confirmed",
  used: "Used",
  cancelled: "Cancelled",
  expired: "Expired",
};

const time = (iso: string) => new Intl.DateTimeFormat(undefined, { timeStyle: "short" }).format(new Date(iso));
const sameDay = (a: string, b: string) => new Date(a).toDateString() === new Date(b).toDateString();
export const windowText = (r: Reservation) =>
  `${dateTime(r.startsAt)} – ${sameDay(r.startsAt, r.endsAt) ? time(r.endsAt) : dateTime(r.endsAt)}`;

export function ReservationsPanel({ now = () => new Date() }: { now?: () => Date }) {
  const api = useApi();
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const list = useLoad(async () => {
    const items: Reservation[] = [];
    let next: string | null = null;
    for (const token of pages) {
      const page = unwrap(
        await api.client.GET("/api/reservations", {
          params: { query: { limit: 20, ...(token ? { continuationToken: token } : {}) } },
        }),
      );
      items.push(...page.items);
      next = page.continuationToken ?? null;
    }
    return { items, next };
  }, [api, pages.length]);

  async function cancel(r: Reservation, where: string) {
    setError(null);
    setDone(null);
    setBusy(r.id);
    try {
      unwrap(
        await api.client.POST("/api/reservations/{reservationId}/cancel", {
          params: { path: { reservationId: r.id } },
        }),
      );
      setDone(`Reservation at ${where} cancelled.`);
      list.reload();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="reservations-h">
      <h2 id="reservations-h">My reservations</h2>
      {error && <ErrorMessage>{error}</ErrorMessage>}
      {done && <Done>{done}</Done>}
      <Loaded load={list} what="Loading your reservations">
        {({ items, next }) =>
          items.length === 0 ? (
            <Empty>
              No reservations. You can reserve a connector from a <Link to="/">station&apos;s page</Link>.
            </Empty>
          ) : (
            <>
              <ul className="reservations">
                {items.map((r) => {
                  const where = r.stationName ?? r.stationId;
                  const active = r.status === "confirmed" && Date.parse(r.endsAt) > now().getTime();
                  return (
                    <li key={r.id} className="card">
                      <h3>
                        <Link to={`/stations/${encodeURIComponent(r.stationId)}`}>{where}</Link>{" "}
                        <span className={r.status === "confirmed" ? "badge" : "badge muted-badge"}>
                          {STATUS[r.status]}
                        </span>
                      </h3>
                      <dl className="facts">
                        <div>
                          <dt>When</dt>
                          <dd>{windowText(r)}</dd>
                        </div>
                        <div>
                          <dt>Connector</dt>
                          <dd>
                            #{r.connectorId} at charger {r.chargerId}
                          </dd>
                        </div>
                        {r.status === "cancelled" && r.cancelReason && (
                          <div>
                            <dt>Reason</dt>
                            <dd>{r.cancelReason}</dd>
                          </div>
                        )}
                        {r.status === "used" && r.sessionId && (
                          <div>
                            <dt>Session</dt>
                            <dd>
                              <Link to={`/sessions/${encodeURIComponent(r.sessionId)}`}>Open the session</Link>
                            </dd>
                          </div>
                        )}
                      </dl>
                      {active && (
                        <button
                          type="button"
                          className="secondary"
                          disabled={busy === r.id}
                          aria-label={`Cancel reservation at ${where}, ${windowText(r)}`}
                          onClick={() => void cancel(r, where)}
                        >
                          {busy === r.id ? "Cancelling…" : "Cancel reservation"}
                        </button>
                      )}
                    </li>
                  );
                })}
              </ul>
              {next && (
                <button type="button" className="secondary" onClick={() => setPages([...pages, next])}>
                  Show older reservations
                </button>
              )}
            </>
          )
        }
      </Loaded>
    </section>
  );
}
