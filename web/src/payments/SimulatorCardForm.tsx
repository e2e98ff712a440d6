// Locally (PAYMENT_BACKEND=simulator) a card is typed into this form and saved by the payment simulator
// (POST /api/me/payment-methods/test-card), which answers Stripe's test card numbers as Stripe would.
import { useId, useState, type FormEvent } from "react";

import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";

export function SimulatorCardForm({ onAdded }: { onAdded(): void }) {
  const api = useApi();
  const id = useId();
  const [number, setNumber] = useState("4242 4242 4242 4242");
  const [expiry, setExpiry] = useState("12/30");
  const [cvc, setCvc] = useState("123");
  const [state, setState] = useState<{ busy?: boolean; error?: string }>({});

  async function add(event: FormEvent) {
    event.preventDefault();
    const [month, year] = expiry.split("/").map((p) => Number(p.trim()));
    if (!month || !year) {
      setState({ error: "Enter the expiry as MM/YY." });
      return;
    }
    setState({ busy: true });
    try {
      unwrap(
        await api.client.POST("/api/me/payment-methods/test-card", {
          body: {
            number: number.replace(/\s+/g, ""),
            expMonth: month,
            expYear: year < 100 ? 2000 + year : year,
            cvc,
            setupIntentId: null,
          },
        }),
      );
      setState({});
      onAdded();
    } catch (e) {
      setState({ error: errorText(e) });
    }
  }

  return (
    <form className="card" onSubmit={add} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Add a card</h2>
      <p className="muted">
        Development: the payment simulator takes Stripe&apos;s test cards (4242 4242 4242 4242 succeeds, 4000 0000
        0000 0002 is declined).
      </p>
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-n`}>Card number</label>
          <input
            id={`${id}-n`}
            inputMode="numeric"
            autoComplete="cc-number"
            value={number}
            onChange={(e) => setNumber(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-e`}>Expiry (MM/YY)</label>
          <input id={`${id}-e`} autoComplete="cc-exp" value={expiry} onChange={(e) => setExpiry(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-c`}>CVC</label>
          <input
            id={`${id}-c`}
            inputMode="numeric"
            autoComplete="cc-csc"
            value={cvc}
            onChange={(e) => setCvc(e.target.value)}
          />
        </div>
      </div>
      {state.error && (
        <p className="status error" role="alert">
          {state.error}
        </p>
      )}
      <button type="submit" disabled={state.busy}>
        Add card
      </button>
    </form>
  );
}
