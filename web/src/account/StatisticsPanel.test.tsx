import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "../api/client";
import { money } from "../format";
import { json } from "../test/harness";
import { spendText, StatisticsPanel } from "./StatisticsPanel";
import { pathOf, render, sent, signedIn } from "./testing";

const eur = (net: string): Schemas["MoneyFlow"] => ({ currency: "EUR", collected: net, refunded: "0.00", net });
const report = {
  scope: "driver:u-1",
  start: "2026-10-27",
  end: "2026-11-25",
  granularity: "month",
  co2KgPerKwh: "0.35",
  periods: [
    { period: "2026-10", start: "2026-10-27", end: "2026-10-31", sessions: 2, energyKwh: "30.5", spend: [eur("12.20")], co2AvoidedKg: "10.675" },
    { period: "2026-11", start: "2026-11-01", end: "2026-11-25", sessions: 3, energyKwh: "45", spend: [eur("18.00")], co2AvoidedKg: "15.75" },
  ],
  total: { period: "2026-10-27/2026-11-25", start: "2026-10-27", end: "2026-11-25", sessions: 5, energyKwh: "75.5", spend: [eur("30.20")], co2AvoidedKg: "26.425" },
};
const empty = { ...report, periods: [], total: { ...report.total, sessions: 0, energyKwh: "0", spend: [], co2AvoidedKg: "0" } };

// 25 November 2026, noon local time
const now = () => new Date(2026, 10, 25, 12, 0);
const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

function setup(answer: (r: Request) => Response = () => json(report)) {
  const api = signedIn((r) => (pathOf(r).startsWith("/api/me/statistics") ? answer(r) : undefined));
  render(api, <StatisticsPanel now={now} />, "/account/statistics");
  return api;
}

afterEach(() => vi.restoreAllMocks());

describe("spendText", () => {
  it("shows what was paid: the net of each currency, after refunds", () => {
    const refunded: Schemas["MoneyFlow"] = { currency: "EUR", collected: "20.00", refunded: "5.00", net: "15.00" };
    const francs: Schemas["MoneyFlow"] = { currency: "CHF", collected: "8.00", refunded: "0.00", net: "8.00" };
    expect(spendText([refunded])).toBe(money("15.00", "EUR"));
    expect(spendText([refunded, francs])).toBe(`${money("15.00", "EUR")} + ${money("8.00", "CHF")}`);
    expect(spendText([])).toBe("–");
  });
});

describe("my statistics", () => {
  it("asks for the last 30 days per month and shows energy, sessions, spend and CO2 avoided", async () => {
    const api = setup();
    const totals = (await screen.findByText("Energy charged")).closest("dl")!;
    const totalOf = (term: string) => within(totals).getByText(term).nextElementSibling!.textContent;
    expect(totalOf("Energy charged")).toBe("75.5 kWh");
    expect(totalOf("Sessions")).toBe("5");
    expect(totalOf("Spent")).toBe("€30.20");
    expect(totalOf("CO₂ avoided")).toBe("26.4 kg");
    const [get] = sent(api, "GET", "/api/me/statistics");
    expect(Object.fromEntries(new URL(get!.url).searchParams)).toEqual({
      from: "2026-10-27",
      to: "2026-11-25",
      granularity: "month",
    });
    const rows = screen.getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[1]!).getAllByRole("cell").map((c) => c.textContent)).toEqual(["3", "45 kWh", "€18.00", "15.8 kg"]);
  });

  it("asks again for the period chosen, and refuses a period that ends before it starts", async () => {
    const api = setup();
    await screen.findByText("75.5 kWh");
    change("From", "2026-01-01");
    change("To", "2026-06-30");
    change("Per", "week");
    fireEvent.click(screen.getByRole("button", { name: "Show statistics" }));
    await waitFor(() => expect(sent(api, "GET", "/api/me/statistics")).toHaveLength(2));
    const second = new URL(sent(api, "GET", "/api/me/statistics")[1]!.url).searchParams;
    expect([second.get("from"), second.get("to"), second.get("granularity")]).toEqual(["2026-01-01", "2026-06-30", "week"]);

    change("To", "2025-12-01");
    fireEvent.click(screen.getByRole("button", { name: "Show statistics" }));
    expect(screen.getByLabelText("To")).toHaveAccessibleDescription("The last day cannot be before the first.");
    expect(screen.getByLabelText("To")).toHaveFocus();
    // a new query would have put the report back to loading at once
    expect(screen.queryByText("Loading your statistics…")).not.toBeInTheDocument();
    expect(screen.getByText("75.5 kWh")).toBeInTheDocument();
    expect(sent(api, "GET", "/api/me/statistics")).toHaveLength(2);
  });

  it("says when there was no charging", async () => {
    setup(() => json(empty));
    expect(await screen.findByText("No charging in this period.")).toBeInTheDocument();
  });

  it("shows the API's problem in words", async () => {
    setup(() => json({ status: 422, code: "period_too_long", detail: "A report covers at most 366 days." }, 422));
    expect(await screen.findByRole("alert")).toHaveTextContent("A report covers at most 366 days.");
  });

  it("downloads the CSV of the same period with the bearer token", async () => {
    const clicked: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    Object.assign(URL, { createObjectURL: vi.fn(() => "blob:csv"), revokeObjectURL: vi.fn() });
    const api = setup((r) =>
      pathOf(r) === "/api/me/statistics/csv"
        ? new Response("period,sessions\n", { headers: { "content-type": "text/csv" } })
        : json(report),
    );
    fireEvent.click(await screen.findByRole("button", { name: "Download CSV" }));
    await waitFor(() => expect(clicked).toEqual(["statistics-2026-10-27-2026-11-25.csv"]));
    const [csv] = sent(api, "GET", "/api/me/statistics/csv");
    expect(csv!.headers.get("authorization")).toBe("Bearer a-1");
    expect(new URL(csv!.url).searchParams.get("granularity")).toBe("month");
  });
});
