// The driver's cards. Locally a card is added through the payment simulator's card form
// (POST /api/me/payment-methods/test-card); with Stripe configured, Stripe Elements would collect it
// (not built yet: see web/README.md).
import { useId, useState, type FormEvent } from "react";

import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";

export function PaymentMethodsScreen() {
  const api = useApi();
  const [error, setError] = useState<string | null>(null);
  const cards = useLoad(async () => unwrap(await api.client.GET("/api/me/payment-methods")), [api]);

  async function act(run: () => Promise<unknown>) {
    setError(null);
    try {
      await run();
      cards.reload();
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <div className="page">
      <h1>Payment methods</h1>
      {error && <ErrorMessage>{error}</ErrorMessage>}
      <Loaded load={cards} what="Loading your cards">
        {(items) =>
          items.length === 0 ? (
            <Empty>No card yet. Add one to start charging.</Empty>
          ) : (
            <ul className="cards">
              {items.map((c) => (
                <li key={c.id}>
                  <strong>
                    {c.brand} •••• {c.last4}
                  </strong>{" "}
                  <span className="muted">
                    expires {String(c.expMonth).padStart(2, "0")}/{c.expYear}
                  </span>
                  {c.isDefault ? (
                    <span className="badge">Default</span>
                  ) : (
                    <button
                      type="button"
                      className="secondary"
                      onClick={() =>
                        act(async () =>
                          unwrap(
                            await api.client.PUT("/api/me/payment-methods/{paymentMethodId}/default", {
                              params: { path: { paymentMethodId: c.id } },
                            }),
                          ),
                        )
                      }
                    >
                      Make default
                    </button>
                  )}{" "}
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Remove the card ending ${c.last4}`}
                    onClick={() =>
                      act(async () =>
                        unwrap(
                          await api.client.DELETE("/api/me/payment-methods/{paymentMethodId}", {
                            params: { path: { paymentMethodId: c.id } },
                          }),
                        ),
                      )
                    }
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <TestCardForm onAdded={cards.reload} />
    </div>
  );
}

function TestCardForm({ onAdded }: { onAdded(): void }) {
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
          body: { number: number.replace(/\s+/g, ""), expMonth: month, expYear: year < 100 ? 2000 + year : year, cvc, setupIntentId: null },
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
