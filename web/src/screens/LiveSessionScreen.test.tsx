import { act, fireEvent, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "../api/client";
import { fakeApi, json, renderRoute } from "../test/harness";
import { LiveSessionScreen } from "./LiveSessionScreen";

type SessionView = Schemas["SessionView"];

function session(over: Partial<SessionView> = {}): SessionView {
  return {
    id: "ses-1",
    status: "active",
    stationId: "st-1",
    stationName: "Alexanderplatz",
    providerId: "p-1",
    chargerId: "CP-1",
    connectorId: 1,
    connectorKey: "CP-1/1",
    origin: "app",
    userId: "u-1",
    caps: { maxKwh: null, maxCost: null, maxMinutes: null },
    reservationId: null,
    transactionId: 7,
    requestedAt: "2026-11-30T10:00:00Z",
    startedAt: "2026-11-30T10:00:05Z",
    stoppedAt: null,
    energyKwh: "12.5",
    powerKw: 22,
    currentA: 32,
    soc: 64,
    durationSeconds: 1805,
    idleSeconds: 0,
    idle: false,
    cost: { amount: "7.48", currency: "EUR" },
    tariffId: "t-1",
    tariffVersion: 1,
    discount: null,
    capReached: null,
    stopRequestedAt: null,
    stopReason: null,
    failureReason: null,
    anomalies: [],
    needsReview: false,
    reviewId: null,
    updatedAt: "2026-11-30T10:30:05Z",
    ...over,
  };
}

const INTERVAL = 1000;
const tick = () => act(() => vi.advanceTimersByTimeAsync(INTERVAL));
const euro = (amount: number) =>
  new Intl.NumberFormat(navigator.language, { style: "currency", currency: "EUR" }).format(amount);

/** Answers GET /api/sessions/ses-1 from a script of views; "same" answers 304 when the ETag matches. */
function sessionServer(script: (SessionView | "same")[]) {
  let step = 0;
  let current: SessionView | null = null;
  return fakeApi((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/api/sessions/ses-1/stop" && request.method === "POST") {
      current = { ...current!, stopRequestedAt: "2026-11-30T10:31:00Z" };
      script.push(current, { ...current, status: "stopped", stoppedAt: "2026-11-30T10:31:05Z", powerKw: null });
      return json(current, 202);
    }
    if (path !== "/api/sessions/ses-1") return json({ code: "not_found", detail: "no" }, 404);
    const next = script[Math.min(step, script.length - 1)]!;
    step += 1;
    const etag = `"v${step}"`;
    if (next === "same" && request.headers.get("if-none-match")) {
      return new Response(null, { status: 304, headers: { etag: request.headers.get("if-none-match")! } });
    }
    current = next === "same" ? current : next;
    return json(current, 200, { etag });
  });
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-11-30T10:30:05Z")); // 30:00 after the sessions below started
  localStorage.setItem("wattsup.refreshToken", "r-1");
});
afterEach(() => {
  vi.useRealTimers();
});

function sessionGets(api: ReturnType<typeof sessionServer>) {
  return api.requests.filter((r) => r.method === "GET" && new URL(r.url).pathname === "/api/sessions/ses-1");
}

async function renderLive(api: ReturnType<typeof sessionServer>) {
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(api, "/sessions/ses-1", "/sessions/:sessionId", <LiveSessionScreen intervalMs={INTERVAL} />);
  await act(() => vi.advanceTimersByTimeAsync(0));
}

describe("live session screen", () => {
  it("shows energy, power, battery and cost, and updates them on the next poll", async () => {
    const api = sessionServer([
      session(),
      session({ energyKwh: "14.25", cost: { amount: "8.52", currency: "EUR" }, durationSeconds: 1808 }),
    ]);
    await renderLive(api);
    expect(screen.getByTestId("energy")).toHaveTextContent("12.5 kWh");
    expect(screen.getByTestId("cost")).toHaveTextContent(euro(7.48));
    expect(screen.getByText("Charging")).toBeInTheDocument();
    expect(screen.getByTestId("duration")).toHaveTextContent("30:05"); // the API's figure: ahead of the clock
    await tick();
    expect(screen.getByTestId("energy")).toHaveTextContent("14.25 kWh");
    expect(screen.getByTestId("cost")).toHaveTextContent(euro(8.52));
  });

  it("polls with If-None-Match and keeps the view on 304", async () => {
    const api = sessionServer([session(), "same", "same"]);
    await renderLive(api);
    await tick();
    await tick();
    const gets = sessionGets(api);
    expect(gets).toHaveLength(3);
    expect(gets[0]!.headers.get("if-none-match")).toBeNull();
    expect(gets[1]!.headers.get("if-none-match")).toBe('"v1"');
    expect(gets[2]!.headers.get("if-none-match")).toBe('"v1"');
    expect(screen.getByTestId("energy")).toHaveTextContent("12.5 kWh");
  });

  it("stops polling once the session has stopped", async () => {
    const api = sessionServer([session(), session({ status: "stopped", stoppedAt: "2026-11-30T10:31:00Z" })]);
    await renderLive(api);
    await tick();
    expect(screen.getByText("Stopped")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Stop charging" })).not.toBeInTheDocument();
    // a session that delivered energy can be reviewed from here
    expect(screen.getByRole("link", { name: "Review this station" })).toHaveAttribute("href", "/sessions/ses-1/review");
    const polled = sessionGets(api).length;
    await tick();
    await tick();
    await tick();
    expect(sessionGets(api)).toHaveLength(polled);
  });

  it("the stop button asks the API to stop, then shows the stopped session", async () => {
    const api = sessionServer([session()]);
    await renderLive(api);
    fireEvent.click(screen.getByRole("button", { name: "Stop charging" }));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(api.requests.some((r) => r.method === "POST" && r.url.endsWith("/api/sessions/ses-1/stop"))).toBe(true);
    expect(screen.getByText(/stopping…/)).toBeInTheDocument();
    await tick();
    await tick();
    expect(screen.getByText("Stopped")).toBeInTheDocument();
  });

  it("counts the duration up every second between the API's updates", async () => {
    const api = sessionServer([session({ durationSeconds: 1740 }), "same"]);
    await renderLive(api);
    expect(screen.getByTestId("duration")).toHaveTextContent("30:00");
    await act(() => vi.advanceTimersByTimeAsync(5000));
    expect(screen.getByTestId("duration")).toHaveTextContent("30:05");
  });

  it("warns about idle fees while the car sits plugged in", async () => {
    const api = sessionServer([session({ idle: true, idleSeconds: 600, powerKw: 0 })]);
    await renderLive(api);
    expect(screen.getByRole("alert")).toHaveTextContent(/Idle fees may apply/);
    expect(screen.getByRole("alert")).toHaveTextContent("10:00");
  });

  it("shows the API's problem detail when the session cannot be read", async () => {
    const api = fakeApi(() => json({ status: 404, code: "not_found", detail: "Session ses-1 was not found." }, 404));
    await renderLive(api as ReturnType<typeof sessionServer>);
    expect(screen.getByRole("alert")).toHaveTextContent("Session ses-1 was not found.");
  });
});
