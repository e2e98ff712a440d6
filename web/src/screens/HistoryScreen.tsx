// The driver's charging sessions, newest first: GET /api/sessions. A completed session (stopped, energy
// delivered) can be reviewed, or its review (the session's `reviewId`) edited: /sessions/{id}/review
// (station/WriteReview.tsx).
import { Link } from "react-router";

import type { Schemas } from "../api/client";
import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { dateTime, duration, kwh, money } from "../format";

type Session = Schemas["SessionView"];

const reviewLabel = (s: Session) =>
  `${s.reviewId ? "Edit your review of" : "Review"} ${s.stationName}, ${dateTime(s.startedAt ?? s.requestedAt)}`;

export function HistoryScreen() {
  const api = useApi();
  const sessions = useLoad(
    async () => unwrap(await api.client.GET("/api/sessions", { params: { query: { limit: 50 } } })).items,
    [api],
  );
  return (
    <div className="page">
      <h1>Charging history</h1>
      <Loaded load={sessions} what="Loading your sessions">
        {(items) =>
          items.length === 0 ? (
            <Empty>
              No sessions yet. <Link to="/">Find a charger</Link>.
            </Empty>
          ) : (
            <table className="table">
              <caption className="sr-only">Your charging sessions</caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Station</th>
                  <th scope="col">Energy</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Cost</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link to={`/sessions/${encodeURIComponent(s.id)}`}>{dateTime(s.startedAt ?? s.requestedAt)}</Link>
                    </td>
                    <td>{s.stationName}</td>
                    <td>{kwh(s.energyKwh)}</td>
                    <td>{duration(s.durationSeconds)}</td>
                    <td>{s.cost ? money(s.cost.amount, s.cost.currency) : "–"}</td>
                    <td>{s.status}</td>
                    <td>
                      {s.status === "stopped" && Number(s.energyKwh) > 0 && (
                        <Link
                          to={`/sessions/${encodeURIComponent(s.id)}/review`}
                          aria-label={reviewLabel(s)}
                        >
                          {s.reviewId ? "Your review" : "Review"}
                        </Link>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </div>
  );
}
