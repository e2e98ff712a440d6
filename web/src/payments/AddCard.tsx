// The "add a card" form this deployment offers (GET /api/config): Stripe Elements when the payment backend is
// Stripe with a publishable key, the payment simulator's form locally, and otherwise a plain explanation.
import { lazy, Suspense } from "react";

import { useConfig } from "../api/useConfig";
import { Empty, Loaded, Loading } from "../components/Status";
import { SimulatorCardForm } from "./SimulatorCardForm";

// its own chunk: Stripe's code is downloaded only where Stripe takes the cards
const StripeCardForm = lazy(() => import("./StripeCardForm"));

export function AddCard({ onAdded }: { onAdded(): void }) {
  const config = useConfig();
  return (
    <Loaded load={config} what="Loading the card form">
      {(c) => {
        if (c.paymentBackend === "stripe" && c.stripePublishableKey)
          return (
            <Suspense fallback={<Loading what="Loading Stripe's card form" />}>
              <StripeCardForm publishableKey={c.stripePublishableKey} onAdded={onAdded} />
            </Suspense>
          );
        if (c.simulatorCardForm) return <SimulatorCardForm onAdded={onAdded} />;
        return <Empty>Cards cannot be added here yet: this deployment has no card form set up.</Empty>;
      }}
    </Loaded>
  );
}
