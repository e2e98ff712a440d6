import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { Schemas } from "../api/client";
import { fakeApi, json, renderRoute } from "../test/harness";
import { MaintenanceWindows } from "./MaintenanceWindows";
import { noContent, problem, routes, sent } from "./testRoutes";

const station = {
  id: "st-1",
  name: "Hafen",
  timeZone: "Europe/Berlin",
  lifecycle: "active",
  connectors: [
    { chargerId: "CP-1", connectorId: 1, standard: "TYPE_2", powerType: "AC", maxPowerKw: 22, tariffId: null },
    { chargerId: "CP-1", connectorId: 2, standard: "CCS2", powerType: "DC", maxPowerKw: 150, tariffId: null },
  ],
} as unknown as Schemas["StationView"];

// 5 January 2030, 08:00 UTC (09:00 in Berlin)
const now = () => new Date("2030-01-05T08:00:00Z");
const WINDOWS = "/api/stations/st-1/maintenance-windows";
const windows = [
  { id: "mw-old", chargerId: null, connectorId: null, startsAt: "2030-01-01T08:00:00Z", endsAt: "2030-01-01T09:00:00Z", reason: "long gone" },
  { id: "mw-now", chargerId: null, connectorId: null, startsAt: "2030-01-05T07:00:00Z", endsAt: "2030-01-05T08:30:00Z", reason: "Resurfacing" },
  { id: "mw-next", chargerId: "CP-1", connectorId: 2, startsAt: "2030-01-07T09:00:00Z", endsAt: "2030-01-07T11:00:00Z", reason: "" },
];

function show(api: ReturnType<typeof fakeApi>, s = station) {
  renderRoute(api, "/console/stations/st-1", "/console/stations/:stationId", <MaintenanceWindows station={s} now={now} />);
}
const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const plan = () => fireEvent.click(screen.getByRole("button", { name: "Plan maintenance" }));

describe("maintenance windows", () => {
  it("lists the current and upcoming windows in the station's time zone, not the ended ones", async () => {
    const api = fakeApi(routes({ [`GET ${WINDOWS}`]: json(windows) }));
    show(api);
    const list = await screen.findByRole("list", { name: "Current and upcoming maintenance" });
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(2);
    // 07:00-08:30 UTC is 08:00-09:30 in Berlin; it is running at 08:00 UTC
    expect(items[0]).toHaveTextContent(/Jan 5, 2030, 8:00\s?AM – Jan 5, 2030, 9:30\s?AM/);
    expect(items[0]).toHaveTextContent("in progress");
    expect(items[0]).toHaveTextContent("Whole station");
    expect(items[0]).toHaveTextContent("Resurfacing");
    expect(items[1]).toHaveTextContent("Connector CP-1/2 (CCS2, 150 kW)");
    expect(items[1]).not.toHaveTextContent("in progress");
    expect(screen.queryByText("long gone")).not.toBeInTheDocument();
    expect(screen.getByText(/Times are in the station's time zone, Europe\/Berlin/)).toBeInTheDocument();
  });

  it("says when nothing is planned, and shows a failed load in words", async () => {
    const empty = fakeApi(routes({ [`GET ${WINDOWS}`]: json([windows[0]]) }));
    show(empty);
    expect(await screen.findByText("No maintenance planned.")).toBeInTheDocument();
  });

  it("shows a failed load in words with a retry", async () => {
    const api = fakeApi(routes({ [`GET ${WINDOWS}`]: problem(403, "forbidden", "You do not act for this station's provider.") }));
    show(api);
    expect(await screen.findByRole("alert")).toHaveTextContent("You do not act for this station's provider.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });

  it("plans a window for one connector, typed in the station's time zone, and lists it", async () => {
    let list = [windows[1]];
    const made = { id: "mw-9", chargerId: "CP-1", connectorId: 2, startsAt: "2030-01-08T09:00:00Z", endsAt: "2030-01-08T11:30:00Z", reason: "New cable" };
    const api = fakeApi(
      routes({
        [`GET ${WINDOWS}`]: () => json(list),
        [`POST ${WINDOWS}`]: () => {
          list = [...list, made];
          return json(made, 201);
        },
      }),
    );
    show(api);
    await screen.findByText("Resurfacing");
    change("Maintenance of", "CP-1/2");
    change("Start (station time)", "2030-01-08T10:00");
    change("End (station time)", "2030-01-08T12:30");
    change("Reason (optional, drivers see it)", " New cable ");
    plan();

    expect(await screen.findByText(/Maintenance planned from/)).toHaveAttribute("role", "status");
    const [post] = sent(api.requests, "POST", WINDOWS);
    expect(await post!.json()).toEqual({
      chargerId: "CP-1",
      connectorId: 2,
      startsAt: "2030-01-08T09:00:00.000Z",
      endsAt: "2030-01-08T11:30:00.000Z",
      reason: "New cable",
    });
    expect(await screen.findByText("New cable")).toBeInTheDocument();
    expect(sent(api.requests, "GET", WINDOWS)).toHaveLength(2);
  });

  it("plans a window for the whole station with null connector fields", async () => {
    const api = fakeApi(
      routes({
        [`GET ${WINDOWS}`]: json([]),
        [`POST ${WINDOWS}`]: json({ id: "mw-1", chargerId: null, connectorId: null, startsAt: "2030-06-01T20:00:00Z", endsAt: "2030-06-01T22:00:00Z", reason: "" }, 201),
      }),
    );
    show(api);
    await screen.findByText("No maintenance planned.");
    change("Start (station time)", "2030-06-01T22:00");
    change("End (station time)", "2030-06-02T00:00");
    plan();
    await screen.findByText(/Maintenance planned from/);
    // summer: Berlin is UTC+2
    expect(await sent(api.requests, "POST", WINDOWS)[0]!.json()).toEqual({
      chargerId: null,
      connectorId: null,
      startsAt: "2030-06-01T20:00:00.000Z",
      endsAt: "2030-06-01T22:00:00.000Z",
      reason: "",
    });
  });

  it("marks what is wrong beside its field, focuses it and sends nothing", async () => {
    const api = fakeApi(routes({ [`GET ${WINDOWS}`]: json([windows[1]]) }));
    show(api);
    await screen.findByText("Resurfacing");
    plan();
    const start = screen.getByLabelText("Start (station time)");
    expect(start).toHaveAttribute("aria-invalid", "true");
    expect(start).toHaveAccessibleDescription(/Give the date and time the maintenance starts\./);
    expect(start).toHaveFocus();

    change("Start (station time)", "2030-01-08T12:00");
    change("End (station time)", "2030-01-08T10:00");
    plan();
    const end = screen.getByLabelText("End (station time)");
    expect(end).toHaveAccessibleDescription(/The end must be after the start\./);
    expect(end).toHaveFocus();
    expect(screen.getByLabelText("Start (station time)")).not.toHaveAttribute("aria-invalid");

    // overlapping the running whole-station window (08:00-09:30 Berlin)
    change("Start (station time)", "2030-01-05T09:00");
    change("End (station time)", "2030-01-05T10:00");
    plan();
    expect(screen.getByLabelText("Start (station time)")).toHaveAccessibleDescription(/It overlaps the window from/);
    expect(sent(api.requests, "POST")).toHaveLength(0);
  });

  it("shows the API's refusal in words beside the field it is about", async () => {
    const api = fakeApi(
      routes({
        [`GET ${WINDOWS}`]: json([]),
        [`POST ${WINDOWS}`]: problem(422, "unknown_connector", "The station has no active connector CP-1/2."),
      }),
    );
    show(api);
    await screen.findByText("No maintenance planned.");
    change("Maintenance of", "CP-1/2");
    change("Start (station time)", "2030-01-08T10:00");
    change("End (station time)", "2030-01-08T11:00");
    plan();
    expect(await screen.findByRole("alert")).toHaveTextContent("The station has no active connector CP-1/2.");
    const scope = screen.getByLabelText("Maintenance of");
    expect(scope).toHaveAttribute("aria-invalid", "true");
    expect(scope).toHaveAccessibleDescription("The station has no active connector CP-1/2.");
    expect(scope).toHaveFocus();
  });

  it("puts a 422's field errors beside their fields", async () => {
    const api = fakeApi(
      routes({
        [`GET ${WINDOWS}`]: json([]),
        [`POST ${WINDOWS}`]: problem(422, "validation_failed", "The request body has 1 invalid field(s).", [
          { field: "reason", message: "String should have at most 500 characters", type: "string_too_long" },
        ]),
      }),
    );
    show(api);
    await screen.findByText("No maintenance planned.");
    change("Start (station time)", "2030-01-08T10:00");
    change("End (station time)", "2030-01-08T11:00");
    plan();
    expect(await screen.findByRole("alert")).toHaveTextContent("The request body has 1 invalid field(s).");
    expect(screen.getByLabelText("Reason (optional, drivers see it)")).toHaveAccessibleDescription(
      "String should have at most 500 characters",
    );
  });

  it("removes a window with DELETE and reloads the list", async () => {
    let list = [windows[1], windows[2]];
    const api = fakeApi(
      routes({
        [`GET ${WINDOWS}`]: () => json(list),
        [`DELETE ${WINDOWS}/mw-next`]: () => {
          list = [windows[1]];
          return noContent();
        },
      }),
    );
    show(api);
    await screen.findByText("Resurfacing");
    const buttons = screen.getAllByRole("button", { name: /^Remove the maintenance window from/ });
    expect(buttons).toHaveLength(2);
    fireEvent.click(buttons[1]!);
    expect(await screen.findByText(/was removed/)).toHaveAttribute("role", "status");
    expect(sent(api.requests, "DELETE")).toHaveLength(1);
    await waitFor(() => expect(screen.getAllByRole("button", { name: /^Remove the maintenance window from/ })).toHaveLength(1));
  });

  it("offers no changes at a retired station", async () => {
    const api = fakeApi(routes({ [`GET ${WINDOWS}`]: json([windows[2]]) }));
    show(api, { ...station, lifecycle: "retired" });
    await screen.findByRole("list", { name: "Current and upcoming maintenance" });
    expect(screen.queryByRole("button", { name: /Remove/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Plan maintenance" })).not.toBeInTheDocument();
  });
});
