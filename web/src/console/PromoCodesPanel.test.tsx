import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { PromoCodesPanel } from "./PromoCodesPanel";
import { problem, routes, sent, type Answer } from "./testRoutes";

const now = () => new Date("2030-06-01T08:00:00Z");
const CODES = "/api/providers/p-1/promo-codes";
const base = {
  type: "promoCode",
  providerId: "p-1",
  currency: "EUR",
  createdBy: "u-1",
  createdAt: "2029-12-01T00:00:00Z",
  updatedAt: "2029-12-01T00:00:00Z",
};
const summer = {
  ...base,
  id: "promo:SUMMER10",
  code: "SUMMER10",
  kind: "percent",
  percent: 10,
  amount: null,
  validFrom: "2030-01-01T00:00:00Z",
  validUntil: "2030-12-31T00:00:00Z",
  maxUses: 100,
  perDriverLimit: 1,
  stationIds: ["st-1"],
  active: true,
  uses: 3,
};
const five = { ...summer, id: "promo:FIVE", code: "FIVE", kind: "fixed", percent: null, amount: "5", maxUses: null, perDriverLimit: null, stationIds: [], active: false, uses: 0 };
const old = { ...summer, id: "promo:OLD", code: "OLD", validUntil: "2030-02-01T00:00:00Z", uses: 7 };
const usedUp = { ...summer, id: "promo:GONE", code: "GONE", maxUses: 3, perDriverLimit: null, stationIds: [] };

function api(extra: Record<string, Answer> = {}, items: unknown[] = [summer, five, old, usedUp]) {
  return fakeApi(
    routes({
      "GET /api/providers/p-1": json({ id: "p-1", currency: "EUR", displayName: "Acme" }),
      "GET /api/providers/p-1/stations": json({ items: [{ id: "st-1", name: "Hafen", lifecycle: "active" }, { id: "st-2", name: "Markt", lifecycle: "draft" }], continuationToken: null }),
      [`GET ${CODES}`]: () => json({ items, continuationToken: null }),
      ...extra,
    }),
  );
}
function show(a: ReturnType<typeof fakeApi>, admin = true) {
  renderRoute(a, "/console/promo-codes", "/console/promo-codes", <PromoCodesPanel providerId="p-1" admin={admin} now={now} />);
}
const article = (code: string) => screen.getByRole("article", { name: new RegExp(`^${code} `) });
const local = (value: string) => new Date(value).toISOString(); // datetime-local values are the browser's zone

describe("promo codes", () => {
  it("lists each code's discount, uses, limits, validity, stations and status", async () => {
    show(api());
    const s = within(await screen.findByRole("article", { name: /^SUMMER10 / }));
    expect(s.getByRole("heading")).toHaveTextContent("SUMMER10 Active");
    expect(s.getByText("10% off")).toBeInTheDocument();
    expect(s.getByText("3 of 100")).toBeInTheDocument();
    expect(s.getByText("Hafen")).toBeInTheDocument();
    expect(s.getByText(/Jan 1, 2030.*Dec 31, 2030/)).toBeInTheDocument();
    const f = within(article("FIVE"));
    expect(f.getByText("€5.00 off")).toBeInTheDocument();
    expect(f.getByText("0 (no limit)")).toBeInTheDocument();
    expect(f.getByText("All stations")).toBeInTheDocument();
    expect(f.getByRole("heading")).toHaveTextContent("Deactivated");
    expect(within(article("OLD")).getByRole("heading")).toHaveTextContent("Expired");
    expect(within(article("GONE")).getByRole("heading")).toHaveTextContent("Used up");
    expect(f.getByRole("button", { name: "Reactivate FIVE" })).toBeInTheDocument();
  });

  it("shows staff the codes without what the API would refuse them", async () => {
    show(api(), false);
    await screen.findByRole("article", { name: /^SUMMER10 / });
    expect(screen.queryByRole("button", { name: "New promo code" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Edit / })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Deactivate / })).not.toBeInTheDocument();
  });

  it("says when there are none", async () => {
    show(api({}, []));
    expect(await screen.findByText("No promo codes yet.")).toBeInTheDocument();
  });

  it("creates a percent code with every field the API takes", async () => {
    const a = api({ [`POST ${CODES}`]: json({ ...summer, id: "promo:SUMMER-25", code: "SUMMER-25", percent: 25 }, 201) });
    show(a);
    fireEvent.click(await screen.findByRole("button", { name: "New promo code" }));
    const form = within(screen.getByRole("form", { name: "New promo code" }));
    const change = (label: string, value: string) => fireEvent.change(form.getByLabelText(label), { target: { value } });
    change("Code (4–20 letters, digits, hyphens)", " summer-25 ");
    change("Percent off (1–100)", "25");
    change("Valid from (your time zone)", "2030-06-01T10:00");
    change("Valid until (your time zone)", "2030-08-31T23:59");
    change("Max. uses in all (empty: no limit)", "500");
    change("Uses per driver (empty: no limit)", "2");
    fireEvent.click(form.getByRole("checkbox", { name: "Hafen" }));
    expect(form.queryByRole("checkbox", { name: "Markt" })).toBeInTheDocument();
    fireEvent.click(form.getByRole("button", { name: "Create promo code" }));

    expect(await screen.findByText("Promo code SUMMER-25 created.")).toHaveAttribute("role", "status");
    expect(await sent(a.requests, "POST", CODES)[0]!.json()).toEqual({
      code: "SUMMER-25",
      kind: "percent",
      percent: 25,
      amount: null,
      validFrom: local("2030-06-01T10:00"),
      validUntil: local("2030-08-31T23:59"),
      maxUses: 500,
      perDriverLimit: 2,
      stationIds: ["st-1"],
      active: true,
    });
    // the list is read again
    await waitFor(() => expect(sent(a.requests, "GET", CODES)).toHaveLength(2));
  });

  it("creates a fixed-amount code in the provider's currency, after checking the limits", async () => {
    const a = api({ [`POST ${CODES}`]: json({ ...five, code: "CAFE-5" }, 201) });
    show(a);
    fireEvent.click(await screen.findByRole("button", { name: "New promo code" }));
    const form = within(screen.getByRole("form", { name: "New promo code" }));
    const change = (label: string, value: string) => fireEvent.change(form.getByLabelText(label), { target: { value } });
    change("Code (4–20 letters, digits, hyphens)", "CAFE-5");
    fireEvent.click(form.getByRole("radio", { name: "Fixed amount off" }));
    change("Amount off (EUR)", "5.50");
    change("Max. uses in all (empty: no limit)", "2");
    change("Uses per driver (empty: no limit)", "3");
    fireEvent.click(form.getByRole("checkbox", { name: /^Active/ }));
    fireEvent.click(form.getByRole("button", { name: "Create promo code" }));

    const perDriver = form.getByLabelText("Uses per driver (empty: no limit)");
    expect(perDriver).toHaveAttribute("aria-invalid", "true");
    expect(perDriver).toHaveAccessibleDescription("The per-driver limit cannot exceed max. uses.");
    expect(perDriver).toHaveFocus();
    expect(sent(a.requests, "POST")).toHaveLength(0);

    change("Uses per driver (empty: no limit)", "2");
    fireEvent.click(form.getByRole("button", { name: "Create promo code" }));
    await screen.findByText("Promo code CAFE-5 created.");
    const body = (await sent(a.requests, "POST", CODES)[0]!.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: "CAFE-5", kind: "fixed", percent: null, amount: "5.50", maxUses: 2, perDriverLimit: 2, stationIds: [], active: false });
  });

  it("marks bad input beside each field and sends nothing", async () => {
    const a = api();
    show(a);
    fireEvent.click(await screen.findByRole("button", { name: "New promo code" }));
    const form = within(screen.getByRole("form", { name: "New promo code" }));
    fireEvent.change(form.getByLabelText("Code (4–20 letters, digits, hyphens)"), { target: { value: "ab" } });
    fireEvent.change(form.getByLabelText("Percent off (1–100)"), { target: { value: "120" } });
    fireEvent.change(form.getByLabelText("Valid until (your time zone)"), { target: { value: "" } });
    fireEvent.click(form.getByRole("button", { name: "Create promo code" }));
    const code = form.getByLabelText("Code (4–20 letters, digits, hyphens)");
    expect(code).toHaveAccessibleDescription("The code is 4 to 20 letters A–Z, digits or hyphens.");
    expect(code).toHaveFocus();
    expect(form.getByLabelText("Percent off (1–100)")).toHaveAccessibleDescription("Percent off is a whole number from 1 to 100.");
    expect(form.getByLabelText("Valid until (your time zone)")).toHaveAttribute("aria-invalid", "true");
    expect(sent(a.requests, "POST")).toHaveLength(0);
  });

  it("shows the API's refusal in words beside the code", async () => {
    const a = api({ [`POST ${CODES}`]: problem(409, "promo_code_taken", "The provider already has the promo code SUMMER10.") });
    show(a);
    fireEvent.click(await screen.findByRole("button", { name: "New promo code" }));
    const form = within(screen.getByRole("form", { name: "New promo code" }));
    fireEvent.change(form.getByLabelText("Code (4–20 letters, digits, hyphens)"), { target: { value: "summer10" } });
    fireEvent.change(form.getByLabelText("Percent off (1–100)"), { target: { value: "10" } });
    fireEvent.click(form.getByRole("button", { name: "Create promo code" }));
    expect(await form.findByRole("alert")).toHaveTextContent("The provider already has the promo code SUMMER10.");
    const code = form.getByLabelText("Code (4–20 letters, digits, hyphens)");
    expect(code).toHaveAttribute("aria-invalid", "true");
    expect(code).toHaveFocus();
  });

  it("deactivates a code with PATCH and reads the list again", async () => {
    const a = api({ [`PATCH ${CODES}/SUMMER10`]: json({ ...summer, active: false }) });
    show(a);
    await screen.findByRole("article", { name: /^SUMMER10 / });
    fireEvent.click(screen.getByRole("button", { name: "Deactivate SUMMER10" }));
    expect(await screen.findByText("Promo code SUMMER10 deactivated.")).toBeInTheDocument();
    expect(await sent(a.requests, "PATCH", `${CODES}/SUMMER10`)[0]!.json()).toEqual({
      active: false,
      validFrom: summer.validFrom,
      validUntil: summer.validUntil,
      maxUses: 100,
      perDriverLimit: 1,
      stationIds: ["st-1"],
    });
    await waitFor(() => expect(sent(a.requests, "GET", CODES)).toHaveLength(2));
  });

  it("changes validity, limits and stations with PATCH; an empty limit clears it", async () => {
    const a = api({ [`PATCH ${CODES}/SUMMER10`]: json({ ...summer, maxUses: null }) });
    show(a);
    await screen.findByRole("article", { name: /^SUMMER10 / });
    fireEvent.click(screen.getByRole("button", { name: "Edit SUMMER10" }));
    const form = within(screen.getByRole("form", { name: "Edit promo code SUMMER10" }));
    expect(form.getByRole("checkbox", { name: "Hafen" })).toBeChecked();
    fireEvent.change(form.getByLabelText("Max. uses in all (empty: no limit)"), { target: { value: "" } });
    fireEvent.change(form.getByLabelText("Valid until (your time zone)"), { target: { value: "2031-01-31T12:00" } });
    fireEvent.click(form.getByRole("checkbox", { name: "Hafen" }));
    fireEvent.click(form.getByRole("checkbox", { name: "Markt" }));
    fireEvent.click(form.getByRole("button", { name: "Save SUMMER10" }));
    expect(await screen.findByText("Promo code SUMMER10 saved.")).toBeInTheDocument();
    const body = (await sent(a.requests, "PATCH")[0]!.json()) as Record<string, unknown>;
    expect(body).toEqual({
      active: true,
      validFrom: summer.validFrom,
      validUntil: local("2031-01-31T12:00"),
      maxUses: null,
      perDriverLimit: 1,
      stationIds: ["st-2"],
    });
  });
});
