// What drivers say about a station: GET /api/stations/{id}/reviews (newest first by default).
import { useId, useState } from "react";

import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { date } from "../format";

type Sort = "newest" | "highest" | "lowest";

export function Reviews({ stationId }: { stationId: string }) {
  const api = useApi();
  const id = useId();
  const [sort, setSort] = useState<Sort>("newest");
  const reviews = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/stations/{stationId}/reviews", {
          params: { path: { stationId }, query: { sort, limit: 20 } },
        }),
      ).items,
    [api, stationId, sort],
  );
  return (
    <section aria-labelledby={`${id}-h`} className="card">
      <h2 id={`${id}-h`}>Reviews</h2>
      <div className="field inline">
        <label htmlFor={`${id}-sort`}>Sort by</label>
        <select id={`${id}-sort`} value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
          <option value="newest">Newest</option>
          <option value="highest">Highest rated</option>
          <option value="lowest">Lowest rated</option>
        </select>
      </div>
      <Loaded load={reviews} what="Loading reviews">
        {(items) =>
          items.length === 0 ? (
            <Empty>No reviews yet.</Empty>
          ) : (
            <ul className="reviews">
              {items.map((r) => (
                <li key={r.id}>
                  <span aria-label={`${r.rating} of 5 stars`}>{"★".repeat(r.rating) + "☆".repeat(5 - r.rating)}</span>{" "}
                  <span className="muted">{date(r.createdAt)}</span>
                  {r.text && <p>{r.text}</p>}
                  {r.reply && (
                    <blockquote>
                      <strong>Reply from the operator:</strong> {r.reply.text}
                    </blockquote>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}
