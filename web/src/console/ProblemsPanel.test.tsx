import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { ProblemsPanel } from "./ProblemsPanel";
import { ReservationsPanel } from "./ReservationsPanel";
import { problem, queryOf, routes, sent, type Answer } from "./testRoutes";

const PROBLEMS = "/api/providers/p-1/problems";
const open = {
  id: "pr-1",
  stationId: "st-1",
  providerId: "p-1",
  stationName: "Hafen",
  connectorKey: "CP-1/2",
  kind: "damaged_cable",
  text: "The cable's sleeve is <torn>",
  userId: "u-9",
  status: "open",
  resolution: null,
  resolvedBy: null,
  resolvedAt: null,
  resolutionNote: "",
  createdAt: "2030-01-04T10:00:00Z",
  updatedAt: "2030-01-04T10:00:00Z",
};
const blocked = { ...open, id: "pr-2", stationName: "Markt", connectorKey: null, kind: "blocked", text: "" };
const stations = json({ items: [{ id: "st-1", name: "Hafen" }, { id: "st-2", name: "Markt" }], continuationToken: null });

function show(extra: Record<string, Answer>) {
  const a = fakeApi(routes({ "GET /api/providers/p-1/stations": stations, ...extra }));
  renderRoute(a, "/console/problems", "/console/problems", <ProblemsPanel providerId="p-1" />);
  return a;
}

describe("problem reports", () => {
  it("lists the open problems in words, newest first as the API sends them", async () => {
    const a = show({ [`GET ${PROBLEMS}`]: json({ items: [open, blocked], continuationToken: null }) });
    const cable = within(await screen.findByRole("article", { name: "Hafen: Damaged cable" }));
    expect(cable.getByText(/about connector CP-1\/2/)).toBeInTheDocument();
    // plain text, never markup
    expect(cable.getByText("The cable's sleeve is <torn>")).toBeInTheDocument();
    expect(within(screen.getByRole("article", { name: "Markt: Bay blocked" })).getByText(/about the whole station/)).toBeInTheDocument();
    expect(queryOf(sent(a.requests, "GET", PROBLEMS)[0]!)).toEqual({ limit: "50", status: "open" });
  });

  it("resolves a problem with a note and shows it resolved", async () => {
    const a = show({
      [`GET ${PROBLEMS}`]: json({ items: [open], continuationToken: null }),
      "POST /api/problems/pr-1/resolve": json({ ...open, status: "resolved", resolution: "provider", resolvedBy: "u-1", resolvedAt: "2030-01-05T09:00:00Z", resolutionNote: "Cable replaced" }),
    });
    const item = within(await screen.findByRole("article", { name: "Hafen: Damaged cable" }));
    fireEvent.change(item.getByLabelText("Resolution note (optional)"), { target: { value: " Cable replaced " } });
    fireEvent.click(item.getByRole("button", { name: "Mark resolved" }));
    expect(await item.findByRole("status")).toHaveTextContent(/Resolved .*by your team: Cable replaced/);
    expect(await sent(a.requests, "POST", "/api/problems/pr-1/resolve")[0]!.json()).toEqual({ note: "Cable replaced" });
    expect(item.queryByRole("button", { name: "Mark resolved" })).not.toBeInTheDocument();
  });

  it("shows a refused resolve in words", async () => {
    show({
      [`GET ${PROBLEMS}`]: json({ items: [open], continuationToken: null }),
      "POST /api/problems/pr-1/resolve": problem(403, "forbidden", "You do not act for this station's provider."),
    });
    const item = within(await screen.findByRole("article", { name: "Hafen: Damaged cable" }));
    fireEvent.click(item.getByRole("button", { name: "Mark resolved" }));
    expect(await item.findByRole("alert")).toHaveTextContent("You do not act for this station's provider.");
  });

  it("filters by status and station, and says when there is nothing", async () => {
    const a = show({ [`GET ${PROBLEMS}`]: json({ items: [], continuationToken: null }) });
    expect(await screen.findByText("No open problems: nothing to do.")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("option", { name: "Markt" })).toBeInTheDocument());
    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "resolved" } });
    fireEvent.change(screen.getByLabelText("Station"), { target: { value: "st-2" } });
    await waitFor(() =>
      expect(queryOf(sent(a.requests, "GET", PROBLEMS).at(-1)!)).toEqual({ limit: "50", status: "resolved", stationId: "st-2" }),
    );
    expect(await screen.findByText("No problem reports.")).toBeInTheDocument();
  });

  it("shows a failed load in words with a retry", async () => {
    show({ [`GET ${PROBLEMS}`]: problem(404, "provider_not_found", "No such provider.") });
    expect(await screen.findByRole("alert")).toHaveTextContent("No such provider.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});

describe("reservations at the provider's stations", () => {
  it("lists them with the station's name and status in words, by station when chosen", async () => {
    const reservation = {
      id: "r-1",
      connectorKey: "CP-1/2",
      stationId: "st-1",
      providerId: "p-1",
      chargerId: "CP-1",
      connectorId: 2,
      userId: "u-9",
      idTag: "TAG",
      startsAt: "2030-01-05T10:00:00Z",
      endsAt: "2030-01-05T10:30:00Z",
      status: "cancelled",
      ocppReservationId: 7,
      sessionId: null,
      reserveNow: null,
      cancelReservation: null,
      cancelledBy: "u-9",
      cancelReason: "plans changed",
      createdAt: "2030-01-04T10:00:00Z",
      updatedAt: "2030-01-04T10:00:00Z",
    };
    const a = fakeApi(
      routes({
        "GET /api/providers/p-1/stations": stations,
        "GET /api/providers/p-1/reservations": (r) =>
          json({ items: new URL(r.url).searchParams.get("stationId") === "st-2" ? [] : [reservation], continuationToken: null }),
      }),
    );
    renderRoute(a, "/console/reservations", "/console/reservations", <ReservationsPanel providerId="p-1" />);
    const row = await screen.findByRole("row", { name: /CP-1\/2/ });
    await waitFor(() => expect(row).toHaveTextContent("Hafen"));
    expect(row).toHaveTextContent("Cancelled (plans changed)");
    fireEvent.change(screen.getByLabelText("Station"), { target: { value: "st-2" } });
    expect(await screen.findByText("No reservations.")).toBeInTheDocument();
    expect(queryOf(sent(a.requests, "GET", "/api/providers/p-1/reservations").at(-1)!)).toEqual({ limit: "50", stationId: "st-2" });
  });
});
