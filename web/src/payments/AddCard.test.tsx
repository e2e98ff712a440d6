// The card form by deployment: the simulator's form (and never Stripe) locally; Stripe Elements with the
// publishable key from GET /api/config, the setup call, the confirm call with its client secret, and Stripe's
// refusal shown in words. Stripe's modules are mocked: nothing is loaded from js.stripe.com.
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from "react";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "../api/client";
import { PaymentMethodsScreen } from "../screens/PaymentMethodsScreen";
import { fakeApi, json, renderRoute } from "../test/harness";
import StripeCardForm, { LIST_ATTEMPTS } from "./StripeCardForm";

const stripe = vi.hoisted(() => {
  const clear = vi.fn();
  return { loadStripe: vi.fn(), confirmCardSetup: vi.fn(), clear, card: { clear } };
});

vi.mock("@stripe/stripe-js/pure", () => ({ loadStripe: stripe.loadStripe }));
vi.mock("@stripe/stripe-js", () => {
  throw new Error("@stripe/stripe-js loads Stripe.js when imported: use @stripe/stripe-js/pure");
});

// Elements hands the Stripe object that loadStripe resolved to down to useStripe, as the real one does.
vi.mock("@stripe/react-stripe-js", () => {
  const Loaded = createContext<unknown>(null);
  function Elements({ stripe: pending, children }: { stripe: unknown; children: ReactNode }) {
    const [value, setValue] = useState<unknown>(null);
    useEffect(() => {
      let live = true;
      void Promise.resolve(pending).then((v) => live && setValue(v));
      return () => {
        live = false;
      };
    }, [pending]);
    return createElement(Loaded.Provider, { value }, children);
  }
  return {
    Elements,
    CardElement: () => createElement("div", { "data-testid": "stripe-card-element" }),
    useStripe: () => useContext(Loaded),
    useElements: () => (useContext(Loaded) ? { getElement: () => stripe.card } : null),
  };
});

type Config = Schemas["DeploymentConfig"];
type Card = Schemas["PaymentMethodPublic"];

const VISA: Card = { id: "pm_new", brand: "visa", last4: "4242", expMonth: 12, expYear: 2030, isDefault: true };
const SIMULATOR: Config = { paymentBackend: "simulator", stripePublishableKey: null, simulatorCardForm: true };
const stripeConfig = (key: string | null): Config => ({
  paymentBackend: "stripe",
  stripePublishableKey: key,
  simulatorCardForm: false,
});
const pathOf = (r: Request) => new URL(r.url).pathname;

/** The API: the config, the driver's cards (a list that `cards` decides), the card setup. */
function server(config: Config, cards: () => Card[] = () => []) {
  return fakeApi((request) => {
    const path = pathOf(request);
    if (path === "/api/config") return json(config, 200, { "cache-control": "public, max-age=300" });
    if (path === "/api/me/payment-methods" && request.method === "GET") return json(cards());
    if (path === "/api/me/payment-methods/setup")
      return json({ setupIntentId: "seti_1", clientSecret: "seti_1_secret_abc", publishableKey: null }, 201);
    return json({ title: "Not found", status: 404, code: "not_found" }, 404);
  });
}

function renderScreen(api: ReturnType<typeof fakeApi>) {
  renderRoute(api, "/payment-methods", "/payment-methods", <PaymentMethodsScreen />);
}

const listings = (api: ReturnType<typeof fakeApi>) =>
  api.requests.filter((r) => r.method === "GET" && pathOf(r) === "/api/me/payment-methods").length;

beforeEach(() => {
  stripe.loadStripe.mockReset();
  stripe.confirmCardSetup.mockReset();
  stripe.clear.mockReset();
  stripe.loadStripe.mockImplementation(async () => ({ confirmCardSetup: stripe.confirmCardSetup }));
});

describe("adding a card", () => {
  it("shows the simulator's card form locally and never loads Stripe", async () => {
    const api = server(SIMULATOR);
    renderScreen(api);
    expect(await screen.findByLabelText("Card number")).toHaveValue("4242 4242 4242 4242");
    expect(screen.getByLabelText("Expiry (MM/YY)")).toBeInTheDocument();
    expect(screen.queryByTestId("stripe-card-element")).not.toBeInTheDocument();
    expect(stripe.loadStripe).not.toHaveBeenCalled();
    expect(api.requests.some((r) => pathOf(r) === "/api/me/payment-methods/setup")).toBe(false);
  });

  it("saves a card through Stripe Elements with the publishable key, the setup and its client secret", async () => {
    let saved = false;
    const api = server(stripeConfig("pk_test_saves"), () => (saved ? [VISA] : []));
    stripe.confirmCardSetup.mockImplementation(async () => {
      saved = true; // Stripe attached the card to the customer
      return { setupIntent: { id: "seti_1", status: "succeeded", payment_method: "pm_new" } };
    });
    renderScreen(api);
    expect(await screen.findByText("No card yet. Add one to start charging.")).toBeInTheDocument();
    expect(await screen.findByTestId("stripe-card-element")).toBeInTheDocument();
    expect(screen.queryByLabelText("Card number")).not.toBeInTheDocument();
    expect(stripe.loadStripe).toHaveBeenCalledTimes(1);
    expect(stripe.loadStripe).toHaveBeenCalledWith("pk_test_saves");
    // no SetupIntent merely for opening the page
    expect(api.requests.some((r) => pathOf(r) === "/api/me/payment-methods/setup")).toBe(false);

    const save = screen.getByRole("button", { name: "Save card" });
    await waitFor(() => expect(save).toBeEnabled());
    fireEvent.click(save);

    expect(await screen.findByText("Card saved.")).toHaveAttribute("role", "status");
    const setup = api.requests.filter((r) => pathOf(r) === "/api/me/payment-methods/setup");
    expect(setup.map((r) => r.method)).toEqual(["POST"]);
    expect(stripe.confirmCardSetup).toHaveBeenCalledTimes(1);
    expect(stripe.confirmCardSetup).toHaveBeenCalledWith("seti_1_secret_abc", { payment_method: { card: stripe.card } });
    expect(await screen.findByText("visa •••• 4242")).toBeInTheDocument();
    expect(stripe.clear).toHaveBeenCalled();
  });

  it("shows Stripe's refusal in words and lists nothing new", async () => {
    const api = server(stripeConfig("pk_test_declines"));
    stripe.confirmCardSetup.mockResolvedValue({
      error: {
        type: "card_error",
        code: "card_declined",
        decline_code: "generic_decline",
        message: "Your card was declined.",
      },
    });
    renderScreen(api);
    const save = await screen.findByRole("button", { name: "Save card" });
    await waitFor(() => expect(save).toBeEnabled());
    fireEvent.click(save);

    expect(await screen.findByRole("alert")).toHaveTextContent("Your card was declined.");
    expect(stripe.confirmCardSetup).toHaveBeenCalledWith("seti_1_secret_abc", expect.anything());
    expect(listings(api)).toBe(1); // the screen's own listing only
    expect(save).toBeEnabled(); // the driver can try another card
  });

  it("names Stripe's code when Stripe gives no message", async () => {
    const api = server(stripeConfig("pk_test_nomessage"));
    stripe.confirmCardSetup.mockResolvedValue({ error: { type: "card_error", code: "expired_card" } });
    renderScreen(api);
    const save = await screen.findByRole("button", { name: "Save card" });
    await waitFor(() => expect(save).toBeEnabled());
    fireEvent.click(save);
    expect(await screen.findByRole("alert")).toHaveTextContent("Stripe could not save the card (expired_card).");
  });

  it("says so when Stripe.js cannot be loaded", async () => {
    stripe.loadStripe.mockRejectedValue(new Error("Failed to load Stripe.js"));
    renderScreen(server(stripeConfig("pk_test_offline")));
    expect(await screen.findByRole("alert")).toHaveTextContent("Stripe's card form could not be loaded");
  });

  it("asks for the list a bounded number of times when the new card does not show", async () => {
    const api = server(stripeConfig("pk_test_lagging"));
    stripe.confirmCardSetup.mockResolvedValue({ setupIntent: { id: "seti_1", payment_method: "pm_late" } });
    const added = vi.fn();
    renderRoute(api, "/", "/", <StripeCardForm publishableKey="pk_test_lagging" onAdded={added} pollMs={1} />);
    const save = await screen.findByRole("button", { name: "Save card" });
    await waitFor(() => expect(save).toBeEnabled());
    fireEvent.click(save);
    expect(await screen.findByText(/Stripe saved your card; it is not in the list yet/)).toBeInTheDocument();
    expect(listings(api)).toBe(LIST_ATTEMPTS);
    expect(added).toHaveBeenCalledTimes(1);
  });

  it("explains when this deployment offers no card form", async () => {
    const api = server(stripeConfig(null));
    renderScreen(api);
    expect(await screen.findByText(/Cards cannot be added here yet/)).toBeInTheDocument();
    expect(stripe.loadStripe).not.toHaveBeenCalled();
  });
});
