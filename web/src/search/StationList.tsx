// The search results as a list: the same stations the map shows, for screen readers and small screens.
import { Link } from "react-router";

import { distance, number } from "../format";
import { availabilityOf, availabilityText, type Station } from "./availability";

export function StationList({ stations }: { stations: Station[] }) {
  return (
    <ul className="station-list">
      {stations.map((s) => (
        <li key={s.id} className={`station-item ${availabilityOf(s)}`}>
          <Link to={`/stations/${encodeURIComponent(s.id)}`}>
            <strong>{s.name}</strong>
          </Link>
          {s.promoted && <span className="badge">Featured</span>}
          <div className="muted">
            {s.address.street}, {s.address.city} · {distance(s.distanceM)} · up to {number(s.maxPowerKw, 0)} kW
          </div>
          <div>{availabilityText(s)}</div>
          <div className="muted">
            {s.priceSummary?.text ?? "No tariff published"}
            {s.rating.average !== null && ` · ★ ${number(s.rating.average, 1)} (${s.rating.count})`}
            {s.reliability?.score != null && ` · reliability ${s.reliability.score}/100`}
          </div>
        </li>
      ))}
    </ul>
  );
}
