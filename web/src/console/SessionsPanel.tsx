// Sessions at the provider's stations: GET /api/providers/{id}/sessions, by status, paged.
import { useId, useState } from "react";

import type { Schemas } from "../api/client";
import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { PageButtons, usePages } from "../components/Pager";
import { dateTime, duration, kwh, money } from "../format";

type Status = Schemas["SessionView"]["status"] | "";

export function SessionsPanel({ providerId }: { providerId: string }) {
  const api = useApi();
  const id = useId();
  const [status, setStatus] = useState<Status>("");
  const pages = usePages();
  const token = pages.token;
  const sessions = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/providers/{providerId}/sessions", {
          params: { path: { providerId }, query: { limit: 50, status: status || undefined, continuationToken: token ?? undefined } },
        }),
      ),
    [api, providerId, status, token],
  );
  return (
    <section aria-labelledby="sessions-h">
      <h2 id="sessions-h">Sessions at your stations</h2>
      <div className="field inline">
        <label htmlFor={`${id}-st`}>Status</label>
        <select
          id={`${id}-st`}
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as Status);
            pages.reset();
          }}
        >
          <option value="">All</option>
          <option value="pending">Pending</option>
          <option value="active">Charging</option>
          <option value="stopped">Stopped</option>
          <option value="failed">Failed</option>
        </select>
      </div>
      <Loaded load={sessions} what="Loading sessions">
        {(page) => (
          <>
            {page.items.length === 0 ? (
              <Empty>No sessions.</Empty>
            ) : (
              <table className="table">
                <caption className="sr-only">Sessions</caption>
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Station</th>
                    <th scope="col">Connector</th>
                    <th scope="col">Status</th>
                    <th scope="col">Energy</th>
                    <th scope="col">Duration</th>
                    <th scope="col">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((s) => (
                    <tr key={s.id}>
                      <td>{dateTime(s.startedAt ?? s.requestedAt)}</td>
                      <td>{s.stationName}</td>
                      <td>{s.connectorKey}</td>
                      <td>
                        {s.status}
                        {s.needsReview && <span className="badge warning">needs review</span>}
                      </td>
                      <td>{kwh(s.energyKwh)}</td>
                      <td>{duration(s.durationSeconds)}</td>
                      <td>{s.cost ? money(s.cost.amount, s.cost.currency) : "–"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <PageButtons pages={pages} next={page.continuationToken} />
          </>
        )}
      </Loaded>
    </section>
  );
}
