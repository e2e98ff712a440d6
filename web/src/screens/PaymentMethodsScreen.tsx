// The driver's cards: list, make default, remove, and add one through the form this deployment offers
// (src/payments/AddCard.tsx: Stripe Elements with Stripe, the payment simulator's card form locally).
import { useState } from "react";

import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { Empty, ErrorMessage, Loaded } from "../components/Status";
import { useLoad } from "../components/useLoad";
import { AddCard } from "../payments/AddCard";

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
      <AddCard onAdded={cards.reload} />
    </div>
  );
}
