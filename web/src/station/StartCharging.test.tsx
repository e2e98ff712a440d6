import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { StartCharging } from "./StartCharging";

function renderStart(api: ReturnType<typeof fakeApi>) {
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(api, "/stations/st-1", "/stations/:stationId", <StartCharging stationId="st-1" connectorKey="CP-1/1" />);
}

describe("start charging", () => {
  it("sends the connector, the caps that are set and the promo code, then opens the live session", async () => {
    const api = fakeApi((request) =>
      new URL(request.url).pathname === "/api/sessions" ? json({ id: "ses-9" }, 201) : json({}, 200),
    );
    renderStart(api);
    fireEvent.change(screen.getByLabelText("Max. energy (kWh)"), { target: { value: "20" } });
    fireEvent.change(screen.getByLabelText("Max. minutes"), { target: { value: "45" } });
    fireEvent.change(screen.getByLabelText("Promo code"), { target: { value: " SPRING25 " } });
    fireEvent.click(screen.getByRole("button", { name: "Start charging" }));
    await waitFor(() => expect(screen.getByText("elsewhere")).toBeInTheDocument()); // navigated away
    const start = api.requests.find((r) => r.method === "POST" && new URL(r.url).pathname === "/api/sessions")!;
    expect(await start.json()).toEqual({
      stationId: "st-1",
      connectorKey: "CP-1/1",
      caps: { maxKwh: "20", maxCost: null, maxMinutes: 45 },
      promoCode: "SPRING25",
    });
  });

  it("explains a 402 in the API's words and links to adding a card", async () => {
    const api = fakeApi(() =>
      json(
        { status: 402, code: "payment_method_required", detail: "Add a card before you start charging." },
        402,
      ),
    );
    renderStart(api);
    fireEvent.click(screen.getByRole("button", { name: "Start charging" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Add a card before you start charging.");
    expect(screen.getByRole("link", { name: "add a card" })).toHaveAttribute("href", "/payment-methods");
    expect(screen.getByRole("button", { name: "Start charging" })).toBeEnabled();
  });

  it("asks to sign in first when signed out", () => {
    const api = fakeApi(() => json({}, 200));
    renderRoute(api, "/stations/st-1", "/stations/:stationId", <StartCharging stationId="st-1" connectorKey="CP-1/1" />);
    expect(screen.getByRole("link", { name: "Sign in" })).toHaveAttribute("href", "/signin?next=%2Fstations%2Fst-1");
  });
});
