// Stripe.js, loaded only when a card is added through Stripe (the `pure` entry point: importing it loads nothing),
// once per publishable key for the page's life, as Stripe asks. A failed load is tried again next time.
import type { Stripe } from "@stripe/stripe-js";
import { loadStripe } from "@stripe/stripe-js/pure";

const loaded = new Map<string, Promise<Stripe | null>>();

export function stripeFor(publishableKey: string): Promise<Stripe | null> {
  let pending = loaded.get(publishableKey);
  if (!pending) {
    pending = loadStripe(publishableKey);
    pending.catch(() => loaded.delete(publishableKey));
    loaded.set(publishableKey, pending);
  }
  return pending;
}
