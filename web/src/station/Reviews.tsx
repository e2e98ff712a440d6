// What drivers say about a station: GET /api/stations/{id}/reviews (newest first by default). The API marks the
// caller's own review (`mine`): its author can edit or delete it here (WriteReview's editor, with If-Match).
import { useId, useState } from "react";

import { unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { date } from "../format";
import { readReview, ReviewEditor } from "./WriteReview";

type Sort = "newest" | "highest" | "lowest";

export function Reviews({ stationId }: { stationId: string }) {
  const api = useApi();
  const id = useId();
  const [sort, setSort] = useState<Sort>("newest");
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
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
      {notice && (
        <p className="status done" role="status">
          {notice}
        </p>
      )}
      <Loaded load={reviews} what="Loading reviews">
        {(items) =>
          items.length === 0 ? (
            <Empty>No reviews yet.</Empty>
          ) : (
            <ul className="reviews">
              {items.map((r) => (
                <li key={r.id} className={r.mine ? "mine" : undefined}>
                  <span role="img" aria-label={`${r.rating} of 5 stars`}>
                    {"★".repeat(r.rating) + "☆".repeat(5 - r.rating)}
                  </span>{" "}
                  <span className="muted">{date(r.createdAt)}</span>
                  {r.editedAt && <span className="muted"> (edited {date(r.editedAt)})</span>}
                  {r.mine && <span className="badge">Your review</span>}
                  {r.text && <p>{r.text}</p>}
                  {r.reply && (
                    <blockquote>
                      <strong>Reply from the operator:</strong> {r.reply.text}
                    </blockquote>
                  )}
                  {r.mine &&
                    (editing === r.id ? (
                      <EditOwnReview
                        reviewId={r.id}
                        onDone={(message) => {
                          setEditing(null);
                          if (message) {
                            setNotice(message);
                            reviews.reload();
                          }
                        }}
                      />
                    ) : (
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => {
                          setNotice(null);
                          setEditing(r.id);
                        }}
                      >
                        Edit your review
                      </button>
                    ))}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

/** Reads the review again for its ETag, then the author's editor; `onDone(message)` when saved or deleted. */
function EditOwnReview({ reviewId, onDone }: { reviewId: string; onDone(message?: string): void }) {
  const api = useApi();
  const own = useLoad(async () => readReview(api, reviewId), [api, reviewId]);
  return (
    <div className="card">
      <Loaded load={own} what="Loading your review">
        {(found) =>
          found === null ? (
            <Empty>This review no longer exists.</Empty>
          ) : (
            <ReviewEditor
              own={found}
              onSaved={() => onDone("Your review is updated.")}
              onDeleted={() => onDone("Your review is deleted.")}
              onCancel={() => onDone()}
            />
          )
        }
      </Loaded>
    </div>
  );
}
