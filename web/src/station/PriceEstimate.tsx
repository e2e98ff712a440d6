// What charging here would cost, before starting: GET /api/stations/{id}/price-estimate.
import { useId, useState } from "react";

import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { kwh as kwhText, money } from "../format";

export function PriceEstimate({ stationId, connectorKey }: { stationId: string; connectorKey: string }) {
  const api = useApi();
  const id = useId();
  const [kwh, setKwh] = useState("20");
  const [minutes, setMinutes] = useState("45");
  const estimate = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/stations/{stationId}/price-estimate", {
          params: {
            path: { stationId },
            query: { connectorKey, kwh: kwh || undefined, minutes: minutes ? Number(minutes) : undefined },
          },
        }),
      ),
    [api, stationId, connectorKey, kwh, minutes],
  );
  return (
    <section aria-labelledby={`${id}-h`} className="card">
      <h3 id={`${id}-h`}>Price estimate</h3>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-kwh`}>Energy (kWh)</label>
          <input id={`${id}-kwh`} type="number" min={1} value={kwh} onChange={(e) => setKwh(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-min`}>Time (minutes)</label>
          <input
            id={`${id}-min`}
            type="number"
            min={1}
            value={minutes}
            onChange={(e) => setMinutes(e.target.value)}
          />
        </div>
      </div>
      <Loaded load={estimate} what="Estimating">
        {(e) => (
          <div aria-live="polite">
            <p className="big">{money(e.total.amount, e.total.currency)}</p>
            <p className="muted">
              {kwhText(e.kwh)} in {e.minutes} min at {e.powerKw} kW · {e.summary}
            </p>
          </div>
        )}
      </Loaded>
    </section>
  );
}
