// Writing a review: a driver rates a station (1 to 5 stars, optional text) after a completed session there, one
// review per session (POST /api/stations/{stationId}/reviews with the session's id). The author edits or deletes
// it with PATCH/DELETE /api/reviews/{id} and If-Match (the ETag of the copy they read), so a change made
// elsewhere meanwhile is not overwritten. The session names its review (`reviewId`, null when none); a session
// reviewed before the API kept that link shows null, and posting then answers 409 `review_exists` naming it.
import { useEffect, useId, useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";

import type { Api, Schemas } from "../api/client";
import { ApiError, errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { ErrorMessage, Loaded, Loading } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { dateTime, kwh } from "../format";

export type Review = Schemas["ReviewView"];
export interface OwnReview {
  review: Review;
  etag: string | null;
}

const MAX_TEXT = 2000;

/** The review with its ETag, or null when there is none (never written, or deleted). */
export async function readReview(api: Api, reviewId: string): Promise<OwnReview | null> {
  const result = await api.client.GET("/api/reviews/{reviewId}", { params: { path: { reviewId } } });
  if (result.response.status === 404) return null;
  return { review: unwrap(result), etag: result.response.headers.get("etag") };
}

export const stars = (rating: number) => "★".repeat(rating) + "☆".repeat(5 - rating);

interface Draft {
  rating: number | null;
  text: string;
}
type DraftErrors = Partial<Record<"rating" | "text", string>>;

function validate(draft: Draft): DraftErrors {
  const errors: DraftErrors = {};
  if (draft.rating === null) errors.rating = "Choose from 1 to 5 stars.";
  if (draft.text.trim().length > MAX_TEXT) errors.text = `A review has at most ${MAX_TEXT} characters.`;
  return errors;
}

function fieldErrorsOf(error: unknown): { message: string; fields: DraftErrors } {
  const fields: DraftErrors = {};
  if (error instanceof ApiError) {
    for (const e of error.problem.errors ?? []) {
      const where = e.field ?? e.loc?.filter((p) => p !== "body").join(".");
      if ((where === "rating" || where === "text") && !fields[where]) fields[where] = e.message ?? e.msg ?? "";
    }
    if (Object.keys(fields).length) return { message: error.problem.detail ?? error.message, fields };
  }
  return { message: errorText(error), fields };
}

/** Stars (a radio group) and text, with the messages beside them. */
function ReviewFields({
  prefix,
  draft,
  errors,
  onChange,
}: {
  prefix: string;
  draft: Draft;
  errors: DraftErrors;
  onChange(draft: Draft): void;
}) {
  const ratingError = errors.rating ? `${prefix}-rating-error` : undefined;
  return (
    <>
      <fieldset className="stars" aria-describedby={ratingError} aria-invalid={errors.rating ? true : undefined}>
        <legend>Rating</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className="star">
            <input
              type="radio"
              name={`${prefix}-rating`}
              id={n === 1 ? `${prefix}-rating` : undefined}
              value={n}
              checked={draft.rating === n}
              onChange={() => onChange({ ...draft, rating: n })}
            />
            <span aria-hidden="true">{stars(n)}</span>
            <span className="sr-only">{n === 1 ? "1 star" : `${n} stars`}</span>
          </label>
        ))}
        {errors.rating && (
          <span id={ratingError} className="field-error">
            {errors.rating}
          </span>
        )}
      </fieldset>
      <div className="field">
        <label htmlFor={`${prefix}-text`}>Your review</label>
        <textarea
          id={`${prefix}-text`}
          value={draft.text}
          maxLength={MAX_TEXT}
          rows={5}
          onChange={(e) => onChange({ ...draft, text: e.target.value })}
          aria-invalid={errors.text ? true : undefined}
          aria-describedby={`${prefix}-text-hint${errors.text ? ` ${prefix}-text-error` : ""}`}
        />
        <span id={`${prefix}-text-hint`} className="hint muted">
          Optional, up to {MAX_TEXT} characters. Plain text: what worked, what did not.
        </span>
        {errors.text && (
          <span id={`${prefix}-text-error`} className="field-error">
            {errors.text}
          </span>
        )}
      </div>
    </>
  );
}

function focusError(prefix: string, errors: DraftErrors) {
  const first = errors.rating ? `${prefix}-rating` : errors.text ? `${prefix}-text` : null;
  if (first) document.getElementById(first)?.focus();
}

/** The author's own review: change stars or text (PATCH), or delete it (DELETE), both with If-Match. */
export function ReviewEditor({
  own,
  onSaved,
  onDeleted,
  onCancel,
}: {
  own: OwnReview;
  onSaved(own: OwnReview): void;
  onDeleted(): void;
  onCancel?(): void;
}) {
  const api = useApi();
  const prefix = useId();
  const [draft, setDraft] = useState<Draft>({ rating: own.review.rating, text: own.review.text });
  const [errors, setErrors] = useState<DraftErrors>({});
  const [state, setState] = useState<{ busy?: boolean; error?: string; stale?: boolean; confirm?: boolean }>({});
  const ifMatch = own.etag ? { "If-Match": own.etag } : undefined;

  function failed(e: unknown) {
    const problem = fieldErrorsOf(e);
    setErrors(problem.fields);
    setState({ error: problem.message, stale: e instanceof ApiError && e.status === 412 });
    focusError(prefix, problem.fields);
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    const found = validate(draft);
    setErrors(found);
    if (Object.keys(found).length) {
      setState({});
      focusError(prefix, found);
      return;
    }
    setState({ busy: true });
    try {
      const result = await api.client.PATCH("/api/reviews/{reviewId}", {
        params: { path: { reviewId: own.review.id } },
        body: { rating: draft.rating, text: draft.text.trim() },
        headers: ifMatch,
      });
      const review = unwrap(result);
      setState({});
      onSaved({ review, etag: result.response.headers.get("etag") });
    } catch (e) {
      failed(e);
    }
  }

  async function remove() {
    setState({ busy: true });
    try {
      unwrap(
        await api.client.DELETE("/api/reviews/{reviewId}", {
          params: { path: { reviewId: own.review.id } },
          headers: ifMatch,
        }),
      );
      onDeleted();
    } catch (e) {
      failed(e);
    }
  }

  return (
    <form onSubmit={save} noValidate className="review-form" aria-labelledby={`${prefix}-h`}>
      <h3 id={`${prefix}-h`}>Edit your review</h3>
      {own.review.status === "hidden" && (
        <p className="status warning">Moderators have hidden this review: other drivers do not see it.</p>
      )}
      <ReviewFields prefix={prefix} draft={draft} errors={errors} onChange={setDraft} />
      {state.error && (
        <div className="status error" role="alert">
          <p>{state.error}</p>
          {state.stale && <p>Reload the page to see the review as it is now.</p>}
        </div>
      )}
      {state.confirm ? (
        <div className="confirm" role="group" aria-labelledby={`${prefix}-confirm`}>
          <p id={`${prefix}-confirm`}>Delete your review? Its stars leave the station&apos;s rating.</p>
          <div className="actions">
            <button type="button" className="danger" disabled={state.busy} onClick={() => void remove()}>
              Yes, delete it
            </button>
            <button type="button" className="secondary" onClick={() => setState({})}>
              Keep it
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button type="submit" disabled={state.busy}>
            {state.busy ? "Saving…" : "Save changes"}
          </button>
          <button type="button" className="secondary" onClick={() => setState({ confirm: true })}>
            Delete review
          </button>
          {onCancel && (
            <button type="button" className="secondary" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      )}
    </form>
  );
}

/** A new review of `sessionId` at `stationId`. A 409 `review_exists` hands over the existing review's id. */
function NewReviewForm({
  stationId,
  sessionId,
  onPosted,
  onExists,
}: {
  stationId: string;
  sessionId: string;
  onPosted(own: OwnReview): void;
  onExists(reviewId: string): void;
}) {
  const api = useApi();
  const prefix = useId();
  const [draft, setDraft] = useState<Draft>({ rating: null, text: "" });
  const [errors, setErrors] = useState<DraftErrors>({});
  const [state, setState] = useState<{ busy?: boolean; error?: string }>({});

  async function post(event: FormEvent) {
    event.preventDefault();
    const found = validate(draft);
    setErrors(found);
    if (Object.keys(found).length || draft.rating === null) {
      setState({});
      focusError(prefix, found);
      return;
    }
    setState({ busy: true });
    try {
      const result = await api.client.POST("/api/stations/{stationId}/reviews", {
        params: { path: { stationId } },
        body: { sessionId, rating: draft.rating, text: draft.text.trim() },
      });
      const review = unwrap(result);
      onPosted({ review, etag: result.response.headers.get("etag") });
    } catch (e) {
      const existing = e instanceof ApiError && e.code === "review_exists" ? existingReview(e) : null;
      if (existing) {
        onExists(existing);
        return;
      }
      const problem = fieldErrorsOf(e);
      setErrors(problem.fields);
      setState({ error: problem.message });
      focusError(prefix, problem.fields);
    }
  }

  return (
    <form onSubmit={post} noValidate className="card review-form" aria-labelledby={`${prefix}-h`}>
      <h2 id={`${prefix}-h`}>Your rating</h2>
      <ReviewFields prefix={prefix} draft={draft} errors={errors} onChange={setDraft} />
      {state.error && (
        <p className="status error" role="alert">
          {state.error}
        </p>
      )}
      <button type="submit" disabled={state.busy}>
        {state.busy ? "Publishing…" : "Publish review"}
      </button>
    </form>
  );
}

/** The review a 409 `review_exists` names. */
function existingReview(error: ApiError): string | null {
  const id = (error.problem as { reviewId?: unknown }).reviewId;
  return typeof id === "string" && id ? id : null;
}

type Found = { state: "loading" } | { state: "error"; error: string } | { state: "ready"; own: OwnReview | null };

/** The review of a completed session: the one the session names (`linked`), or the form for a new one. */
function SessionReview({
  stationId,
  sessionId,
  linked,
}: {
  stationId: string;
  sessionId: string;
  linked: string | null;
}) {
  const api = useApi();
  const [reviewId, setReviewId] = useState(linked);
  const [round, setRound] = useState(0);
  const [found, setFound] = useState<Found>(() => (linked ? { state: "loading" } : { state: "ready", own: null }));
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    if (reviewId === null) return; // the session has no review: nothing to read
    let live = true;
    setFound({ state: "loading" });
    readReview(api, reviewId)
      .then((own) => live && setFound({ state: "ready", own }))
      .catch((e: unknown) => live && setFound({ state: "error", error: errorText(e) }));
    return () => {
      live = false;
    };
  }, [api, reviewId, round]);

  const show = (own: OwnReview | null, message: string) => {
    setFound({ state: "ready", own });
    setNotice(message);
  };

  function review() {
    if (found.state === "loading") return <Loading what="Looking for your review" />;
    if (found.state === "error")
      return <ErrorMessage retry={() => setRound((n) => n + 1)}>{found.error}</ErrorMessage>;
    if (found.own === null)
      return (
        <NewReviewForm
          stationId={stationId}
          sessionId={sessionId}
          onPosted={(posted) => show(posted, "Thank you: your review is published.")}
          onExists={(id) => {
            setNotice("You reviewed this session already; you can edit that review here.");
            setReviewId(id);
            setRound((n) => n + 1);
          }}
        />
      );
    const own = found.own;
    return (
      <div className="card">
        <ReviewEditor
          key={own.etag ?? own.review.updatedAt}
          own={own}
          onSaved={(saved) => show(saved, "Your review is updated.")}
          onDeleted={() => show(null, "Your review is deleted. You can write a new one.")}
        />
      </div>
    );
  }

  return (
    <>
      {notice && (
        <p className="status done" role="status">
          {notice}
        </p>
      )}
      {review()}
    </>
  );
}

/** /sessions/:sessionId/review */
export function WriteReview() {
  const { sessionId = "" } = useParams();
  const api = useApi();
  const session = useLoad(
    async () => unwrap(await api.client.GET("/api/sessions/{sessionId}", { params: { path: { sessionId } } })),
    [api, sessionId],
  );

  return (
    <div className="page">
      <h1>Review your charging session</h1>
      <Loaded load={session} what="Loading the session">
        {(s) => (
          <>
            <p>
              At <Link to={`/stations/${encodeURIComponent(s.stationId)}`}>{s.stationName}</Link>,{" "}
              {dateTime(s.startedAt ?? s.requestedAt)}, {kwh(s.energyKwh)}.
            </p>
            {s.status === "stopped" && Number(s.energyKwh) > 0 ? (
              <SessionReview stationId={s.stationId} sessionId={s.id} linked={s.reviewId ?? null} />
            ) : (
              <p className="status warning">
                You can review a station once a session there has completed (stopped, with energy delivered).
              </p>
            )}
          </>
        )}
      </Loaded>
      <p>
        <Link to="/sessions">Back to your sessions</Link>
      </p>
    </div>
  );
}
