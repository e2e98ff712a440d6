// Reviews of the provider's stations, newest first, with a reply form for those without a reply (one each).
import { useId, useState, type FormEvent } from "react";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { date } from "../format";
import { useProviderStations } from "./stations";

export function ReviewsPanel({ providerId }: { providerId: string }) {
  const id = useId();
  const [stationId, setStationId] = useState("");
  const stations = useProviderStations(providerId);
  const chosen = stationId || stations.data?.[0]?.id || "";
  return (
    <section aria-labelledby="reviews-h">
      <h2 id="reviews-h">Reviews</h2>
      <Loaded load={stations} what="Loading your stations">
        {(items) =>
          items.length === 0 ? (
            <Empty>No stations, so no reviews.</Empty>
          ) : (
            <>
              <div className="field inline">
                <label htmlFor={`${id}-s`}>Station</label>
                <select id={`${id}-s`} value={chosen} onChange={(e) => setStationId(e.target.value)}>
                  {items.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </div>
              {chosen && <StationReviews key={chosen} stationId={chosen} />}
            </>
          )
        }
      </Loaded>
    </section>
  );
}

function StationReviews({ stationId }: { stationId: string }) {
  const api = useApi();
  const reviews = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/stations/{stationId}/reviews", {
          params: { path: { stationId }, query: { sort: "newest", limit: 50 } },
        }),
      ).items,
    [api, stationId],
  );
  return (
    <Loaded load={reviews} what="Loading reviews">
      {(items) =>
        items.length === 0 ? (
          <Empty>No reviews of this station yet.</Empty>
        ) : (
          <ul className="reviews">
            {items.map((r) => (
              <ReviewItem key={r.id} review={r} />
            ))}
          </ul>
        )
      }
    </Loaded>
  );
}

function ReviewItem({ review }: { review: Schemas["ReviewView"] }) {
  const api = useApi();
  const id = useId();
  const [current, setCurrent] = useState(review);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  async function reply(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      setCurrent(
        unwrap(await api.client.POST("/api/reviews/{reviewId}/reply", { params: { path: { reviewId: review.id } }, body: { text: text.trim() } })),
      );
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <li>
      <span aria-label={`${current.rating} of 5 stars`}>{"★".repeat(current.rating) + "☆".repeat(5 - current.rating)}</span>{" "}
      <span className="muted">{date(current.createdAt)}</span>
      {current.status !== "visible" && <span className="badge warning">{current.status}</span>}
      {current.text && <p>{current.text}</p>}
      {current.reply ? (
        <blockquote>
          <strong>Your reply:</strong> {current.reply.text}
        </blockquote>
      ) : (
        <form onSubmit={reply}>
          <div className="field">
            <label htmlFor={`${id}-r`}>Reply (once, public)</label>
            <textarea id={`${id}-r`} maxLength={2000} required value={text} onChange={(e) => setText(e.target.value)} />
          </div>
          <button type="submit" disabled={!text.trim()}>
            Publish reply
          </button>
          {error && <ErrorMessage>{error}</ErrorMessage>}
        </form>
      )}
    </li>
  );
}
