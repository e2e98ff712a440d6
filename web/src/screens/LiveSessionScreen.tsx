// The live charging screen: energy, power, state of charge, time and cost, updating by itself.
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";

import { ErrorMessage, Loading } from "../components/Status";
import { duration, kw, kwh, money, percent } from "../format";
import { SessionCurve } from "../session/SessionCurve";
import { isOver, POLL_MS, useSessionPoll, type SessionView } from "../session/useSessionPoll";

const STATUS_TEXT: Record<SessionView["status"], string> = {
  pending: "Waiting for the charger to start",
  active: "Charging",
  stopped: "Stopped",
  failed: "Could not start",
};

// The API rewrites a session's running totals about once a minute; the clock runs every second.
function useElapsed(session: SessionView | null): number {
  const running = session !== null && session.status === "active" && session.startedAt !== null;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  if (session === null) return 0;
  if (!running || !session.startedAt) return session.durationSeconds;
  return Math.max(session.durationSeconds, (now - Date.parse(session.startedAt)) / 1000);
}

export function LiveSessionScreen({ intervalMs = POLL_MS }: { intervalMs?: number }) {
  const { sessionId = "" } = useParams();
  const { session, error, stop, stopping } = useSessionPoll(sessionId, intervalMs);
  const elapsed = useElapsed(session);
  if (!session) {
    return error ? <ErrorMessage>{error}</ErrorMessage> : <Loading what="Loading the session" />;
  }
  const over = isOver(session);
  const stopAsked = session.stopRequestedAt !== null && !over;
  return (
    <div className="page live-session">
      <h1>{session.stationName}</h1>
      <p className="session-status" role="status" aria-live="polite">
        {STATUS_TEXT[session.status]}
        {stopAsked && " – stopping…"}
      </p>
      {session.idle && !over && (
        <p className="status warning" role="alert">
          Your car is no longer charging but still plugged in ({duration(session.idleSeconds)}). Idle fees may
          apply: please unplug and free the bay.
        </p>
      )}
      {session.failureReason && <p className="status error">{session.failureReason}</p>}
      <dl className="readings">
        <div>
          <dt>Energy</dt>
          <dd data-testid="energy">{kwh(session.energyKwh)}</dd>
        </div>
        <div>
          <dt>Power</dt>
          <dd>{kw(session.powerKw)}</dd>
        </div>
        <div>
          <dt>Battery</dt>
          <dd>{session.soc == null ? "–" : percent(session.soc / 100)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd data-testid="duration">{duration(elapsed)}</dd>
        </div>
        <div>
          <dt>Cost so far</dt>
          <dd data-testid="cost">{session.cost ? money(session.cost.amount, session.cost.currency) : "–"}</dd>
        </div>
      </dl>
      {session.discount && <p className="muted">Promo code {session.discount.code} applied.</p>}
      {session.status !== "pending" && session.status !== "failed" && (
        <SessionCurve
          sessionId={session.id}
          energyKwh={session.energyKwh}
          durationSeconds={elapsed}
          live={session.status === "active"}
        />
      )}
      {session.capReached && <p>Stopped at your limit ({session.capReached}).</p>}
      {error && <ErrorMessage>{error}</ErrorMessage>}
      {!over && (
        <button type="button" className="danger" onClick={stop} disabled={stopping || stopAsked}>
          {stopping ? "Stopping…" : "Stop charging"}
        </button>
      )}
      {over && (
        <p>
          <Link to="/sessions">All your sessions</Link> · <Link to="/invoices">Invoices</Link>
          {session.status === "stopped" && Number(session.energyKwh) > 0 && (
            <>
              {" · "}
              <Link to={`/sessions/${encodeURIComponent(session.id)}/review`}>
                {session.reviewId ? "Your review of this station" : "Review this station"}
              </Link>
            </>
          )}
        </p>
      )}
    </div>
  );
}
