// The session's curve: power (and the energy delivered) over time from GET /api/sessions/{id}/meter-samples,
// drawn as a small SVG line chart with its figures in a table for screen readers. While charging it is read
// again when the live view shows new energy, at most every REFRESH_MS.
import { useEffect, useRef, useState } from "react";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { kw, kwh, time } from "../format";

type Curve = Schemas["MeterCurve"];
type Point = Schemas["CurvePoint"];
export const REFRESH_MS = 15_000;

/** Raw samples for the first hour, then one point a minute (the API averages the buckets). */
export function resolutionFor(durationSeconds: number): "raw" | "1m" | "5m" {
  if (durationSeconds <= 3600) return "raw";
  return durationSeconds <= 12 * 3600 ? "1m" : "5m";
}

export function SessionCurve({
  sessionId,
  energyKwh,
  durationSeconds,
  live,
}: {
  sessionId: string;
  energyKwh: string | number | null | undefined;
  durationSeconds: number;
  live: boolean;
}) {
  const api = useApi();
  const [curve, setCurve] = useState<Curve | null>(null);
  const [error, setError] = useState<string | null>(null);
  const lastRead = useRef(0);
  const resolution = resolutionFor(durationSeconds);

  useEffect(() => {
    const wait = live ? Math.max(0, lastRead.current + REFRESH_MS - Date.now()) : 0;
    let cancelled = false;
    const timer = setTimeout(async () => {
      lastRead.current = Date.now();
      try {
        const answer = unwrap(
          await api.client.GET("/api/sessions/{sessionId}/meter-samples", {
            params: { path: { sessionId }, query: { resolution } },
          }),
        );
        if (!cancelled) {
          setCurve(answer);
          setError(null);
        }
      } catch (e) {
        if (!cancelled) setError(errorText(e));
      }
    }, wait);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, sessionId, resolution, live, String(energyKwh)]);

  const points = (curve?.points ?? []).filter((p) => Number.isFinite(Date.parse(p.at)));
  return (
    <section className="card curve" aria-labelledby="curve-h">
      <h2 id="curve-h">Power and energy</h2>
      {error && <p className="status error">{error}</p>}
      {points.length < 2 ? (
        <p className="muted">{curve ? "The curve appears once the charger has sent a few readings." : "Loading the curve…"}</p>
      ) : (
        <LineChart points={points} />
      )}
    </section>
  );
}

function LineChart({ points }: { points: Point[] }) {
  const width = 600;
  const height = 180;
  const pad = { left: 8, right: 8, top: 8, bottom: 22 };
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const maxPower = Math.max(0.001, ...points.map((p) => p.powerKw ?? 0));
  const maxEnergy = Math.max(0.001, ...points.map((p) => p.energyKwh));
  const x = (t: number) => pad.left + ((t - t0) / Math.max(1, t1 - t0)) * (width - pad.left - pad.right);
  const y = (v: number, max: number) => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const line = (value: (p: Point) => number | null | undefined, max: number) =>
    points
      .flatMap((p, i) => {
        const v = value(p);
        return v == null ? [] : [`${x(times[i]!).toFixed(1)},${y(v, max).toFixed(1)}`];
      })
      .join(" ");
  const last = points[points.length - 1]!;
  const label = `Power up to ${kw(maxPower)} and ${kwh(last.energyKwh)} delivered between ${time(points[0]!.at)} and ${time(last.at)}; the figures are in the table below`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
        <line x1={pad.left} y1={height - pad.bottom} x2={width - pad.right} y2={height - pad.bottom} stroke="currentColor" />
        <polyline className="line power" points={line((p) => p.powerKw, maxPower)} fill="none" strokeWidth={2} />
        <polyline className="line energy" points={line((p) => p.energyKwh, maxEnergy)} fill="none" strokeWidth={2} strokeDasharray="5 3" />
        <text x={pad.left} y={height - 6} fontSize={11}>
          {time(points[0]!.at)}
        </text>
        <text x={width - pad.right} y={height - 6} fontSize={11} textAnchor="end">
          {time(last.at)}
        </text>
      </svg>
      <figcaption>
        <span className="key power">Power (up to {kw(maxPower)})</span> ·{" "}
        <span className="key energy">Energy ({kwh(last.energyKwh)})</span>
      </figcaption>
      <details>
        <summary>Figures</summary>
        <table className="table">
          <caption className="sr-only">Readings of this session</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Power</th>
              <th scope="col">Energy</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.at}>
                <th scope="row">{time(p.at)}</th>
                <td>{kw(p.powerKw ?? null)}</td>
                <td>{kwh(p.energyKwh)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
