// Start charging at one connector, with optional caps and a promo code: POST /api/sessions.
import { useId, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";

import type { Bodies } from "../api/client";
import { ApiError, errorText, unwrap } from "../api/problem";
import { useAuth } from "../auth/AuthContext";

type Caps = Bodies["SessionCapsInput"]; // the request's shape: every cap optional

export function StartCharging({ stationId, connectorKey }: { stationId: string; connectorKey: string }) {
  const { api, signedIn } = useAuth();
  const navigate = useNavigate();
  const id = useId();
  const [maxKwh, setMaxKwh] = useState("");
  const [maxCost, setMaxCost] = useState("");
  const [maxMinutes, setMaxMinutes] = useState("");
  const [promoCode, setPromoCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; needsCard: boolean } | null>(null);

  if (!signedIn) {
    return (
      <p className="card">
        <Link to={`/signin?next=${encodeURIComponent(`/stations/${stationId}`)}`}>Sign in</Link> to start charging.
      </p>
    );
  }

  async function start(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    // a cap not set is sent as null: no limit
    const caps: Caps = {
      maxKwh: maxKwh || null,
      maxCost: maxCost || null,
      maxMinutes: maxMinutes ? Number(maxMinutes) : null,
    };
    try {
      const session = unwrap(
        await api.client.POST("/api/sessions", {
          body: { stationId, connectorKey, caps, promoCode: promoCode.trim() || null },
        }),
      );
      navigate(`/sessions/${encodeURIComponent(session.id)}`);
    } catch (e) {
      setError({ text: errorText(e), needsCard: e instanceof ApiError && e.status === 402 });
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={start} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Start charging</h3>
      <p className="muted">Optional limits: charging stops when one is reached.</p>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-kwh`}>Max. energy (kWh)</label>
          <input
            id={`${id}-kwh`}
            type="number"
            min={0.1}
            step="0.1"
            value={maxKwh}
            onChange={(e) => setMaxKwh(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-cost`}>Max. cost</label>
          <input
            id={`${id}-cost`}
            type="number"
            min={0.5}
            step="0.5"
            value={maxCost}
            onChange={(e) => setMaxCost(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-min`}>Max. minutes</label>
          <input
            id={`${id}-min`}
            type="number"
            min={1}
            max={1440}
            value={maxMinutes}
            onChange={(e) => setMaxMinutes(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-promo`}>Promo code</label>
          <input
            id={`${id}-promo`}
            value={promoCode}
            onChange={(e) => setPromoCode(e.target.value)}
            autoComplete="off"
          />
        </div>
      </div>
      {error && (
        <div className="status error" role="alert">
          <p>{error.text}</p>
          {error.needsCard && (
            <p>
              Charging is paid by card: <Link to="/payment-methods">add a card</Link>, then start again.
            </p>
          )}
        </div>
      )}
      <button type="submit" disabled={busy}>
        {busy ? "Starting…" : "Start charging"}
      </button>
    </form>
  );
}
