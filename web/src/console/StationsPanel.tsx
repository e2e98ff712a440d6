// The provider's stations (every lifecycle) and a form to create one.
import { useState } from "react";
import { Link } from "react-router";

import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, Loaded } from "../components/Status";
import { addressOf, amenitiesOf, blankStation, openingHoursOf, photosOf, pointOf, StationForm } from "./StationForm";
import { useProviderStations } from "./stations";

export function StationsPanel({ providerId }: { providerId: string }) {
  const api = useApi();
  const [creating, setCreating] = useState(false);
  const stations = useProviderStations(providerId);
  return (
    <section aria-labelledby="stations-h">
      <h2 id="stations-h">Stations</h2>
      <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating}>
        {creating ? "Close the new station form" : "New station"}
      </button>
      {creating && (
        <StationForm
          initial={blankStation}
          submitLabel="Create station"
          onSubmit={async (f) => {
            unwrap(
              await api.client.POST("/api/providers/{providerId}/stations", {
                params: { path: { providerId } },
                body: {
                  name: f.name.trim(),
                  address: addressOf(f),
                  location: pointOf(f),
                  timeZone: f.timeZone.trim(),
                  openingHours: openingHoursOf(f),
                  amenities: amenitiesOf(f),
                  photos: photosOf(f),
                  access: f.access,
                  lifecycle: f.lifecycle === "active" ? "active" : "draft",
                },
              }),
            );
            setCreating(false);
            stations.reload();
          }}
        />
      )}
      <Loaded load={stations} what="Loading your stations">
        {(items) =>
          items.length === 0 ? (
            <Empty>No stations yet: create your first one.</Empty>
          ) : (
            <table className="table">
              <caption className="sr-only">Your stations</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">City</th>
                  <th scope="col">State</th>
                  <th scope="col">Connectors</th>
                  <th scope="col">Tariff</th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <Link to={`/console/stations/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                    </td>
                    <td>{s.address.city}</td>
                    <td>{s.lifecycle}</td>
                    <td>{(s.connectors ?? []).length}</td>
                    <td>{s.priceSummary?.text ?? "none"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}
