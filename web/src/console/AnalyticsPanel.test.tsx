import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { AnalyticsPanel } from "./AnalyticsPanel";

const period = (start: string, net: string, collected: string) => ({
  period: start,
  start,
  end: start,
  sessions: 2,
  energyKwh: "30.5",
  averageSessionMinutes: "40",
  averageSessionKwh: "15.25",
  occupiedSeconds: 4800,
  availableSeconds: 86400,
  maintenanceSeconds: 0,
  downSeconds: 0,
  faultedSeconds: 0,
  faults: 0,
  utilisation: "0.05",
  uptime: "1",
  revenue: [{ currency: "EUR", collected, refunded: "0.00", net }],
  peakHours: [18],
});

describe("analytics", () => {
  it("shows revenue net of refunds, as the API reports it", async () => {
    const report = {
      scope: "provider",
      start: "2026-11-01",
      end: "2026-11-02",
      granularity: "day",
      periods: [period("2026-11-01", "12.50", "12.50"), period("2026-11-02", "7.25", "9.25")],
      total: { ...period("2026-11-01", "19.75", "21.75"), sessions: 4 },
    };
    const api = fakeApi((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/providers/prv-1/analytics") return json(report);
      if (path === "/api/providers/prv-1/stations") return json({ items: [] });
      return json({}, 404);
    });
    api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
    renderRoute(api, "/console/analytics", "/console/analytics", <AnalyticsPanel providerId="prv-1" />);
    const revenue = (await screen.findByText("Revenue")).closest("div")!;
    expect(within(revenue).getByRole("definition")).toHaveTextContent("19.75");
    expect(within(revenue).getByRole("definition")).not.toHaveTextContent("21.75");
  });

  it("shows the whole platform's figures to admins, without a station choice", async () => {
    const report = {
      scope: "platform",
      start: "2026-11-01",
      end: "2026-11-01",
      granularity: "day",
      periods: [period("2026-11-01", "40.00", "40.00")],
      total: period("2026-11-01", "40.00", "40.00"),
    };
    const api = fakeApi((request) =>
      new URL(request.url).pathname === "/api/platform/analytics" ? json(report) : json({}, 404),
    );
    api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
    renderRoute(api, "/admin/analytics", "/admin/analytics", <AnalyticsPanel />);
    expect(await screen.findByRole("heading", { name: "Platform analytics" })).toBeInTheDocument();
    const revenue = (await screen.findByText("Revenue")).closest("div")!;
    expect(within(revenue).getByRole("definition")).toHaveTextContent("40.00");
    expect(screen.queryByLabelText("Station")).not.toBeInTheDocument();
    const paths = api.requests.map((r) => new URL(r.url).pathname);
    expect(paths).toContain("/api/platform/analytics");
    expect(paths.some((p) => p.startsWith("/api/providers/"))).toBe(false);
  });
});
