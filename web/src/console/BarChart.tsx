// A small SVG bar chart (no chart library): one bar per value, labels under some bars, the figures of each bar
// in its <title> and in a table for screen readers.
export interface Bar {
  label: string;
  value: number;
}

export function BarChart({ title, bars, format }: { title: string; bars: Bar[]; format(value: number): string }) {
  const width = 600;
  const height = 180;
  const bottom = 24;
  const max = Math.max(0, ...bars.map((b) => b.value));
  const step = bars.length ? width / bars.length : width;
  const every = Math.max(1, Math.ceil(bars.length / 8));
  return (
    <figure className="chart">
      <figcaption>
        {title} <span className="muted">(highest {format(max)})</span>
      </figcaption>
      <svg viewBox={`-24 0 ${width + 48} ${height}`} role="img" aria-label={`${title}: bar chart, see the table below`}>
        <line x1={0} y1={height - bottom} x2={width} y2={height - bottom} stroke="currentColor" strokeWidth={1} />
        {bars.map((b, i) => {
          const h = max > 0 ? ((height - bottom - 8) * b.value) / max : 0;
          return (
            <g key={i}>
              <rect x={i * step + step * 0.1} y={height - bottom - h} width={step * 0.8} height={h} className="bar">
                <title>
                  {b.label}: {format(b.value)}
                </title>
              </rect>
              {i % every === 0 && (
                <text x={i * step + step / 2} y={height - 6} textAnchor="middle" fontSize={11}>
                  {b.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <details>
        <summary>Figures</summary>
        <table className="table">
          <caption className="sr-only">{title}</caption>
          <tbody>
            {bars.map((b, i) => (
              <tr key={i}>
                <th scope="row">{b.label}</th>
                <td>{format(b.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
