// Reservations at the provider's stations (GET /api/providers/{id}/reservations, latest window first, optionally
// one station's), paged. Read only: drivers book and cancel them.
import { useId, useState } from "react";

import type { Schemas } from "../api/client";
import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { PageButtons, usePages } from "../components/Pager";
import { dateTime } from "../format";
import { StationSelect } from "./StationSelect";
import { useProviderStations } from "./stations";

const STATUS: Record<Schemas["ReservationPublic"]["status"], string> = {
  confirmed: "Confirmed",
  used: "Used (charging started)",
  cancelled: "Cancelled",
  expired: "Expired (not used)",
};

export function ReservationsPanel({ providerId }: { providerId: string }) {
  const api = useApi();
  const id = useId();
  const [stationId, setStationId] = useState("");
  const pages = usePages();
  const token = pages.token;
  const stations = useProviderStations(providerId);
  const reservations = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/providers/{providerId}/reservations", {
          params: { path: { providerId }, query: { limit: 50, stationId: stationId || undefined, continuationToken: token ?? undefined } },
        }),
      ),
    [api, providerId, stationId, token],
  );
  const nameOf = (sid: string) => stations.data?.find((s) => s.id === sid)?.name ?? sid;
  return (
    <section aria-labelledby="reservations-h">
      <h2 id="reservations-h">Reservations at your stations</h2>
      <div className="field inline">
        <StationSelect
          id={`${id}-s`}
          stations={stations.data ?? []}
          value={stationId}
          onChange={(next) => {
            setStationId(next);
            pages.reset();
          }}
        />
      </div>
      <Loaded load={reservations} what="Loading reservations">
        {(page) => (
          <>
            {page.items.length === 0 ? (
              <Empty>No reservations.</Empty>
            ) : (
              <div className="scroll-x">
                <table className="table">
                  <caption className="sr-only">Reservations</caption>
                  <thead>
                    <tr>
                      <th scope="col">From</th>
                      <th scope="col">Until</th>
                      <th scope="col">Station</th>
                      <th scope="col">Connector</th>
                      <th scope="col">Status</th>
                      <th scope="col">Booked</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((r) => (
                      <tr key={r.id}>
                        <td>{dateTime(r.startsAt)}</td>
                        <td>{dateTime(r.endsAt)}</td>
                        <td>{nameOf(r.stationId)}</td>
                        <td>{r.connectorKey}</td>
                        <td>
                          {STATUS[r.status]}
                          {r.cancelReason && <span className="muted"> ({r.cancelReason})</span>}
                        </td>
                        <td>{dateTime(r.createdAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <PageButtons pages={pages} next={page.continuationToken} />
          </>
        )}
      </Loaded>
    </section>
  );
}
