// Review moderation: the reported queue (or every review by status), hide or restore with a reason.
import { useId, useState } from "react";

import type { Schemas } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { dateTime } from "../format";
import { ReasonForm } from "./ReasonForm";

type View = "reported" | "visible" | "hidden";

export function ModerationScreen() {
  const api = useApi();
  const id = useId();
  const [view, setView] = useState<View>("reported");
  const reviews = useLoad(
    async () =>
      unwrap(
        await api.client.GET("/api/platform/reviews", {
          params: { query: view === "reported" ? { reported: true, limit: 50 } : { status: view, limit: 50 } },
        }),
      ).items,
    [api, view],
  );
  return (
    <section aria-labelledby="mod-h">
      <h2 id="mod-h">Review moderation</h2>
      <div className="field inline">
        <label htmlFor={`${id}-v`}>Show</label>
        <select id={`${id}-v`} value={view} onChange={(e) => setView(e.target.value as View)}>
          <option value="reported">Reported (queue)</option>
          <option value="visible">Visible</option>
          <option value="hidden">Hidden</option>
        </select>
      </div>
      <Loaded load={reviews} what="Loading reviews">
        {(items) =>
          items.length === 0 ? (
            <Empty>Nothing to moderate.</Empty>
          ) : (
            <ul className="reviews">
              {items.map((r) => (
                <ModeratedItem key={r.id} review={r} onDone={reviews.reload} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

function ModeratedItem({ review: r, onDone }: { review: Schemas["ModeratedReview"]; onDone(): void }) {
  const api = useApi();
  const [acting, setActing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const action = r.status === "hidden" ? "restore" : "hide";
  async function moderate(reason: string) {
    setError(null);
    try {
      const params = { params: { path: { reviewId: r.id } }, body: { reason } };
      unwrap(
        action === "hide"
          ? await api.client.POST("/api/platform/reviews/{reviewId}/hide", params)
          : await api.client.POST("/api/platform/reviews/{reviewId}/restore", params),
      );
      setActing(false);
      onDone();
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <li>
      <span aria-label={`${r.rating} of 5 stars`}>{"★".repeat(r.rating) + "☆".repeat(5 - r.rating)}</span>{" "}
      <span className="badge">{r.status}</span>
      {r.reportCount > 0 && <span className="badge warning">{r.reportCount} reports</span>}
      <span className="muted">
        {" "}
        station {r.stationId} · {dateTime(r.createdAt)}
        {r.lastReportedAt && ` · last reported ${dateTime(r.lastReportedAt)}`}
      </span>
      {r.text && <p>{r.text}</p>}
      {r.moderation.length > 0 && (
        <ul className="muted">
          {r.moderation.map((m, i) => (
            <li key={i}>
              {m.action} {dateTime(m.at)}: {m.reason}
            </li>
          ))}
        </ul>
      )}
      {r.status !== "deleted" &&
        (acting ? (
          <ReasonForm
            label={`Reason to ${action} this review`}
            submit={action === "hide" ? "Hide review" : "Restore review"}
            onSubmit={moderate}
            onCancel={() => setActing(false)}
          />
        ) : (
          <button type="button" className="secondary" onClick={() => setActing(true)}>
            {action === "hide" ? "Hide…" : "Restore…"}
          </button>
        ))}
      {error && <ErrorMessage>{error}</ErrorMessage>}
    </li>
  );
}
