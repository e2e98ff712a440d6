// Adding a card with Stripe Elements (PAYMENT_BACKEND=stripe); the card number goes to Stripe, never to our API.
// 1. On submit (so that opening the page makes no SetupIntent), POST /api/me/payment-methods/setup opens a
//    SetupIntent for the driver's Stripe customer and answers its client secret.
// 2. stripe.confirmCardSetup(clientSecret, { payment_method: { card } }) sends the CardElement's card to Stripe
//    (with 3-D Secure when the bank asks) and attaches it to the customer. Stripe's refusal is shown in its words.
// 3. The API lists the cards from Stripe itself, so the new card is listed once Stripe has it: the list is asked
//    again a few times (LIST_ATTEMPTS, bounded) until it shows the new card's id. Nothing else is sent: the API's
//    default rule (the first card saved is the default) runs on that listing, and on Stripe's
//    setup_intent.succeeded webhook even if the page is closed first.
// The default export is loaded lazily (AddCard.tsx), so the simulator's users never download this or Stripe.js.
import { CardElement, Elements, useElements, useStripe } from "@stripe/react-stripe-js";
import type { StripeError } from "@stripe/stripe-js";
import { useEffect, useId, useMemo, useState, type FormEvent } from "react";

import type { Api } from "../api/client";
import { errorText, unwrap } from "../api/problem";
import { useApi } from "../auth/AuthContext";
import { stripeFor } from "./stripeLoader";

export const LIST_ATTEMPTS = 5;

export interface StripeCardFormProps {
  publishableKey: string;
  onAdded(): void;
  /** the wait between two listings while the new card is not listed yet */
  pollMs?: number;
}

export default function StripeCardForm({ publishableKey, onAdded, pollMs = 1000 }: StripeCardFormProps) {
  const id = useId();
  const [failed, setFailed] = useState(false);
  // Elements gets a promise that never rejects; a Stripe.js that cannot be loaded is said here instead
  const stripe = useMemo(() => stripeFor(publishableKey).catch(() => null), [publishableKey]);
  useEffect(() => {
    let live = true;
    void stripe.then((loaded) => live && !loaded && setFailed(true));
    return () => {
      live = false;
    };
  }, [stripe]);

  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Add a card</h2>
      {failed ? (
        <p className="status error" role="alert">
          Stripe&apos;s card form could not be loaded. Check your connection and reload the page.
        </p>
      ) : (
        <Elements stripe={stripe}>
          <CardSetupForm onAdded={onAdded} pollMs={pollMs} />
        </Elements>
      )}
    </section>
  );
}

function CardSetupForm({ onAdded, pollMs }: { onAdded(): void; pollMs: number }) {
  const api = useApi();
  const stripe = useStripe();
  const elements = useElements();
  const id = useId();
  const [state, setState] = useState<{ busy?: boolean; error?: string; done?: string }>({});

  async function submit(event: FormEvent) {
    event.preventDefault();
    const card = elements?.getElement(CardElement);
    if (!stripe || !card) return; // Stripe.js is still loading: the button is disabled meanwhile
    setState({ busy: true });
    try {
      const setup = unwrap(await api.client.POST("/api/me/payment-methods/setup"));
      const result = await stripe.confirmCardSetup(setup.clientSecret, { payment_method: { card } });
      if (result.error) {
        setState({ error: stripeErrorText(result.error) });
        return;
      }
      const method = result.setupIntent.payment_method;
      const listed = await waitUntilListed(api, typeof method === "string" ? method : method?.id, pollMs);
      card.clear();
      setState({
        done: listed
          ? "Card saved."
          : "Stripe saved your card; it is not in the list yet. Reload the page in a moment to see it.",
      });
      onAdded();
    } catch (e) {
      setState({ error: errorText(e) });
    }
  }

  return (
    <form onSubmit={submit} aria-describedby={state.error ? `${id}-err` : undefined}>
      <div className="field" role="group" aria-labelledby={`${id}-l`}>
        <span id={`${id}-l`}>Card number, expiry and CVC</span>
        <div className="stripe-card">
          <CardElement
            onChange={(e) => setState((s) => ({ ...s, error: e.error?.message, done: undefined }))}
          />
        </div>
      </div>
      {state.error && (
        <p id={`${id}-err`} className="status error" role="alert">
          {state.error}
        </p>
      )}
      {state.done && (
        <p className="status" role="status">
          {state.done}
        </p>
      )}
      <button type="submit" disabled={!stripe || state.busy}>
        {state.busy ? "Saving…" : "Save card"}
      </button>
    </form>
  );
}

/** Stripe's own message is written for the card holder ("Your card was declined."); the code is a fallback. */
export function stripeErrorText(error: StripeError): string {
  if (error.message) return error.message;
  const code = error.decline_code ?? error.code ?? error.type;
  return `Stripe could not save the card (${code}).`;
}

async function waitUntilListed(api: Api, cardId: string | undefined, pollMs: number): Promise<boolean> {
  for (let attempt = 0; attempt < LIST_ATTEMPTS; attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, pollMs));
    const cards = unwrap(await api.client.GET("/api/me/payment-methods"));
    if (cardId === undefined || cards.some((c) => c.id === cardId)) return true;
  }
  return false;
}
