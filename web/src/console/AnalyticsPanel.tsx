// The provider's figures: GET /api/providers/{id}/analytics per day/week/month, charted (energy, revenue,
// utilisation, peak hours), with the CSV export.
import { useId, useState } from "react";

import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { saveResponse } from "../components/download";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { kwh, money, number, percent } from "../format";
import { BarChart } from "./BarChart";
import { providerStations } from "./stations";

type Granularity = "day" | "week" | "month";
const shortDay = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** A provider's figures (``providerId``), or the whole platform's for admins (no ``providerId``). */
export function AnalyticsPanel({ providerId }: { providerId?: string }) {
  const api = useApi();
  const id = useId();
  const [from, setFrom] = useState(() => isoDay(new Date(Date.now() - 29 * 86_400_000)));
  const [to, setTo] = useState(() => isoDay(new Date()));
  const [granularity, setGranularity] = useState<Granularity>("day");
  const [stationId, setStationId] = useState("");
  const [error, setError] = useState<string | null>(null);
  const query = { from, to, granularity, stationId: stationId || undefined };
  const stations = useLoad(
    async () =>
      providerId === undefined ? [] : await providerStations(api, providerId),
    [api, providerId],
  );
  const report = useLoad(
    async () =>
      unwrap(
        providerId === undefined
          ? await api.client.GET("/api/platform/analytics", { params: { query } })
          : await api.client.GET("/api/providers/{providerId}/analytics", { params: { path: { providerId }, query } }),
      ),
    [api, providerId, from, to, granularity, stationId],
  );

  async function csv() {
    setError(null);
    try {
      const { response } =
        providerId === undefined
          ? await api.client.GET("/api/platform/analytics/csv", { params: { query }, parseAs: "stream" })
          : await api.client.GET("/api/providers/{providerId}/analytics/csv", {
              params: { path: { providerId }, query },
              parseAs: "stream",
            });
      await saveResponse(response, `analytics-${from}-${to}.csv`);
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <section aria-labelledby="analytics-h">
      <h2 id="analytics-h">{providerId === undefined ? "Platform analytics" : "Analytics"}</h2>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-from`}>From</label>
          <input id={`${id}-from`} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>To</label>
          <input id={`${id}-to`} type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-g`}>Per</label>
          <select id={`${id}-g`} value={granularity} onChange={(e) => setGranularity(e.target.value as Granularity)}>
            <option value="day">Day</option>
            <option value="week">Week</option>
            <option value="month">Month</option>
          </select>
        </div>
        {providerId !== undefined && (
          <div className="field">
            <label htmlFor={`${id}-s`}>Station</label>
            <select id={`${id}-s`} value={stationId} onChange={(e) => setStationId(e.target.value)}>
              <option value="">All stations</option>
              {(stations.data ?? []).map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <button type="button" className="secondary" onClick={() => void csv()}>
        Download CSV
      </button>
      {error && <ErrorMessage>{error}</ErrorMessage>}
      <Loaded load={report} what="Loading figures">
        {(r) => {
          const currency = r.total.revenue[0]?.currency ?? "EUR";
          const revenueOf = (p: (typeof r.periods)[number]) =>
            Number(p.revenue.find((m) => m.currency === currency)?.net ?? 0);
          const label = (p: (typeof r.periods)[number]) => shortDay.format(new Date(`${p.start}T00:00:00Z`));
          const hours = Array.from({ length: 24 }, (_, h) => ({
            label: String(h).padStart(2, "0"),
            value: r.periods.filter((p) => p.peakHours.includes(h)).length,
          }));
          return (
            <>
              <dl className="readings">
                <div>
                  <dt>Sessions</dt>
                  <dd>{number(r.total.sessions, 0)}</dd>
                </div>
                <div>
                  <dt>Energy</dt>
                  <dd>{kwh(r.total.energyKwh)}</dd>
                </div>
                <div>
                  <dt>Revenue</dt>
                  <dd>{r.total.revenue.length ? r.total.revenue.map((m) => money(m.net, m.currency)).join(" + ") : "–"}</dd>
                </div>
                <div>
                  <dt>Utilisation</dt>
                  <dd>{percent(r.total.utilisation === null ? null : Number(r.total.utilisation), 1)}</dd>
                </div>
                <div>
                  <dt>Uptime</dt>
                  <dd>{percent(r.total.uptime === null ? null : Number(r.total.uptime), 1)}</dd>
                </div>
              </dl>
              {r.total.sessions === 0 && <Empty>No sessions in this period: the charts are empty.</Empty>}
              <div className="two-columns">
                <BarChart title="Energy (kWh)" bars={r.periods.map((p) => ({ label: label(p), value: Number(p.energyKwh) }))} format={(v) => kwh(v)} />
                <BarChart title={`Revenue (${currency})`} bars={r.periods.map((p) => ({ label: label(p), value: revenueOf(p) }))} format={(v) => money(v, currency)} />
                <BarChart
                  title="Utilisation"
                  bars={r.periods.map((p) => ({ label: label(p), value: Number(p.utilisation ?? 0) }))}
                  format={(v) => percent(v, 1)}
                />
                <BarChart
                  title={`Peak hours (UTC): in how many of the ${r.periods.length} periods each hour was among the busiest`}
                  bars={hours}
                  format={(v) => number(v, 0)}
                />
              </div>
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
