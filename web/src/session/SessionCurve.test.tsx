import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { resolutionFor, SessionCurve } from "./SessionCurve";

const curve = (points: { at: string; energyKwh: number; powerKw: number | null }[]) => ({
  sessionId: "ses-1",
  resolution: "raw",
  bucketSeconds: 0,
  source: "raw",
  truncated: false,
  points: points.map((p) => ({ ...p, maxPowerKw: null, soc: null })),
});

function renderCurve(api: ReturnType<typeof fakeApi>, durationSeconds = 600) {
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(
    api,
    "/sessions/ses-1",
    "/sessions/:sessionId",
    <SessionCurve sessionId="ses-1" energyKwh="1.5" durationSeconds={durationSeconds} live={false} />,
  );
}

describe("the session's curve", () => {
  it("asks for raw samples of a short session and draws power and energy with their figures", async () => {
    const api = fakeApi(() =>
      json(
        curve([
          { at: "2026-11-30T10:00:00Z", energyKwh: 0, powerKw: 11 },
          { at: "2026-11-30T10:05:00Z", energyKwh: 0.9, powerKw: 10.8 },
          { at: "2026-11-30T10:10:00Z", energyKwh: 1.5, powerKw: null },
        ]),
      ),
    );
    renderCurve(api);
    const chart = await screen.findByRole("img", { name: /Power up to 11 kW and 1.5 kWh delivered/ });
    expect(chart.querySelectorAll("polyline")).toHaveLength(2);
    // the power line skips the reading without power; the energy line has all three
    expect(chart.querySelector(".power")!.getAttribute("points")!.split(" ")).toHaveLength(2);
    expect(chart.querySelector(".energy")!.getAttribute("points")!.split(" ")).toHaveLength(3);
    const rows = within(screen.getByRole("table", { name: "Readings of this session" })).getAllByRole("row");
    expect(rows).toHaveLength(4); // the header and three readings
    expect(rows[2]).toHaveTextContent("10.8 kW");
    const url = new URL(api.requests.find((r) => r.url.includes("/meter-samples"))!.url);
    expect(url.pathname).toBe("/api/sessions/ses-1/meter-samples");
    expect(url.searchParams.get("resolution")).toBe("raw");
  });

  it("waits for a few readings, and shows the API's problem in words", async () => {
    const one = fakeApi(() => json(curve([{ at: "2026-11-30T10:00:00Z", energyKwh: 0, powerKw: 11 }])));
    renderCurve(one);
    expect(await screen.findByText("The curve appears once the charger has sent a few readings.")).toBeInTheDocument();
  });

  it("shows a refusal", async () => {
    const api = fakeApi(() => json({ status: 404, code: "session_not_found", detail: "No such session." }, 404));
    renderCurve(api);
    await waitFor(() => expect(screen.getByText("No such session.")).toBeInTheDocument());
  });

  it("asks long sessions for fewer points", () => {
    expect(resolutionFor(59 * 60)).toBe("raw");
    expect(resolutionFor(3 * 3600)).toBe("1m");
    expect(resolutionFor(20 * 3600)).toBe("5m");
  });
});
