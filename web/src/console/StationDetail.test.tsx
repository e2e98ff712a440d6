import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { StationDetail } from "./StationDetail";
import { problem, routes, sent, type Answer } from "./testRoutes";

const station = {
  id: "st-1",
  type: "station",
  providerId: "p-1",
  providerName: "Acme",
  name: "Hafen",
  address: { street: "Kai 1", city: "Hamburg", postalCode: "20457", country: "DE" },
  location: { type: "Point", coordinates: [9.99, 53.54] },
  timeZone: "Europe/Berlin",
  openingHours: { twentyfourseven: true, regularHours: [] },
  amenities: ["WIFI", "Dog bowl"],
  photos: [],
  access: "public",
  lifecycle: "active",
  connectors: [
    { chargerId: "CP-1", connectorId: 1, standard: "TYPE_2", powerType: "AC", maxPowerKw: 22, tariffId: null, status: "Available", statusAt: null, suspect: false },
    { chargerId: "CP-1", connectorId: 2, standard: "CCS2", powerType: "DC", maxPowerKw: 150, tariffId: null, status: "Available", statusAt: null, suspect: false },
  ],
  tariffId: "t-1",
  priceSummary: { tariffId: "t-1", version: 1, currency: "EUR", text: "0.39 EUR/kWh" },
  featuredFrom: null,
  featuredUntil: null,
  maintenance: [],
  createdAt: "2030-01-01T00:00:00Z",
  updatedAt: "2030-01-01T00:00:00Z",
};
const charger = {
  id: "CP-1",
  providerId: "p-1",
  stationId: "st-1",
  vendor: "ABB",
  model: "Terra",
  serialNumber: null,
  lifecycle: "active",
  passwordUpdatedAt: "2030-01-01T00:00:00Z",
  createdAt: "2030-01-01T00:00:00Z",
  updatedAt: "2030-01-01T00:00:00Z",
  connectors: [
    { connectorId: 1, standard: "TYPE_2", powerType: "AC", maxPowerKw: 22, tariffId: null },
    { connectorId: 2, standard: "CCS2", powerType: "DC", maxPowerKw: 150, tariffId: null },
  ],
};
const tariffs = [
  { id: "t-1", name: "Standard", summary: "0.39 EUR/kWh", currentVersion: 1, updatedAt: "2030-01-01T00:00:00Z" },
  { id: "t-2", name: "Fast", summary: "0.59 EUR/kWh", currentVersion: 1, updatedAt: "2030-01-01T00:00:00Z" },
];
const STATION = "/api/stations/st-1";

function api(extra: Record<string, Answer> = {}, s: object = station) {
  return fakeApi(
    routes({
      [`GET ${STATION}`]: json(s),
      "GET /api/providers/p-1/tariffs": json({ items: tariffs, continuationToken: null }),
      [`GET ${STATION}/chargers`]: json({ items: [charger], continuationToken: null }),
      [`GET ${STATION}/maintenance-windows`]: json([]),
      ...extra,
    }),
  );
}
function show(a: ReturnType<typeof fakeApi>, admin = true) {
  renderRoute(a, "/console/stations/st-1", "/console/stations/:stationId", <StationDetail providerId="p-1" admin={admin} now={() => new Date("2030-01-05T08:00:00Z")} />);
}
const tariffForm = () => within(screen.getByRole("form", { name: "Choose a tariff" }));

describe("station page", () => {
  it("prices one connector with a tariff: PUT with chargerId/connectorId, then shows it", async () => {
    let current: object = station;
    const a = api({
      [`GET ${STATION}`]: () => json(current),
      [`PUT ${STATION}/tariff`]: () => {
        current = { ...station, connectors: [station.connectors[0], { ...station.connectors[1], tariffId: "t-2" }] };
        return json(current);
      },
    });
    show(a);
    const form = await waitFor(tariffForm);
    expect(form.getByLabelText("Tariff")).toHaveValue("t-1");
    fireEvent.change(form.getByLabelText("Applies to"), { target: { value: "CP-1/2" } });
    // the connector has no tariff of its own yet
    expect(form.getByLabelText("Tariff")).toHaveValue("");
    fireEvent.change(form.getByLabelText("Tariff"), { target: { value: "t-2" } });
    fireEvent.click(form.getByRole("button", { name: "Use this tariff" }));

    expect(await screen.findByText("“Fast” now prices connector CP-1/2.")).toHaveAttribute("role", "status");
    expect(await sent(a.requests, "PUT", `${STATION}/tariff`)[0]!.json()).toEqual({ tariffId: "t-2", chargerId: "CP-1", connectorId: 2 });
    const table = screen.getByRole("table", { name: "Tariff of each connector" });
    await waitFor(() =>
      expect(within(table).getByRole("row", { name: /CP-1\/2/ })).toHaveTextContent("Fast"),
    );
    expect(within(table).getByRole("row", { name: /CP-1\/1/ })).toHaveTextContent("the station's tariff");
  });

  it("sets the whole station's tariff with null connector fields, and needs a tariff chosen", async () => {
    const a = api({ [`PUT ${STATION}/tariff`]: json(station) });
    show(a);
    const form = await waitFor(tariffForm);
    fireEvent.change(form.getByLabelText("Tariff"), { target: { value: "" } });
    fireEvent.click(form.getByRole("button", { name: "Use this tariff" }));
    const select = form.getByLabelText("Tariff");
    expect(select).toHaveAttribute("aria-invalid", "true");
    expect(select).toHaveAccessibleDescription("Choose a tariff.");
    expect(select).toHaveFocus();
    expect(sent(a.requests, "PUT")).toHaveLength(0);

    fireEvent.change(select, { target: { value: "t-2" } });
    fireEvent.click(form.getByRole("button", { name: "Use this tariff" }));
    expect(await screen.findByText("“Fast” is now the station's tariff.")).toBeInTheDocument();
    expect(await sent(a.requests, "PUT")[0]!.json()).toEqual({ tariffId: "t-2", chargerId: null, connectorId: null });
  });

  it("shows the API's refusal of a tariff in words", async () => {
    const a = api({ [`PUT ${STATION}/tariff`]: problem(422, "unknown_connector", "The station has no connector CP-1/2.") });
    show(a);
    const form = await waitFor(tariffForm);
    fireEvent.change(form.getByLabelText("Applies to"), { target: { value: "CP-1/2" } });
    fireEvent.change(form.getByLabelText("Tariff"), { target: { value: "t-2" } });
    fireEvent.click(form.getByRole("button", { name: "Use this tariff" }));
    expect(await form.findByRole("alert")).toHaveTextContent("The station has no connector CP-1/2.");
  });

  it("shows the saved name in the heading at once, and sends opening hours and amenities", async () => {
    const a = api({ [`PATCH ${STATION}`]: async (r) => json({ ...station, ...((await r.clone().json()) as object) }) });
    show(a);
    expect(await screen.findByRole("heading", { level: 2, name: "Hafen" })).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Station name"), { target: { value: " Hafen Nord " } });
    fireEvent.click(screen.getByLabelText("Open 24/7"));
    fireEvent.click(screen.getByLabelText("Open on Monday"));
    fireEvent.change(screen.getByLabelText("Monday closes at (HH:MM)"), { target: { value: "22:00" } });
    fireEvent.click(screen.getByRole("button", { name: "Add another period on Monday" }));
    fireEvent.change(screen.getByLabelText("Monday, period 2, opens at (HH:MM)"), { target: { value: "23:00" } });
    fireEvent.change(screen.getByLabelText("Monday, period 2, closes at (HH:MM)"), { target: { value: "24:00" } });
    fireEvent.click(screen.getByLabelText("Open on Saturday"));
    fireEvent.click(screen.getByLabelText("Café"));
    fireEvent.click(screen.getByLabelText("Wi-Fi"));
    fireEvent.change(screen.getByLabelText("Other amenities (comma-separated)"), { target: { value: "Dog bowl, EV wash " } });
    fireEvent.click(screen.getByRole("button", { name: "Save station" }));

    expect(await screen.findByText("Saved.")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 2, name: "Hafen Nord" })).toBeInTheDocument();
    const body = (await sent(a.requests, "PATCH", STATION)[0]!.json()) as Record<string, unknown>;
    expect(body).toEqual({
      name: "Hafen Nord",
      address: station.address,
      location: station.location,
      timeZone: "Europe/Berlin",
      lifecycle: "active",
      openingHours: {
        twentyfourseven: false,
        regularHours: [
          { weekday: 1, periodBegin: "08:00", periodEnd: "22:00" },
          { weekday: 1, periodBegin: "23:00", periodEnd: "24:00" },
          { weekday: 6, periodBegin: "08:00", periodEnd: "20:00" },
        ],
      },
      amenities: ["CAFE", "Dog bowl", "EV wash"],
      photos: [],
      access: "public",
    });
  });

  it("checks hours, time zone and name before sending, beside each field", async () => {
    const a = api();
    show(a);
    await screen.findByRole("heading", { level: 2, name: "Hafen" });
    fireEvent.change(screen.getByLabelText("Station name"), { target: { value: "" } });
    fireEvent.change(screen.getByLabelText("Time zone"), { target: { value: "Berlin" } });
    fireEvent.click(screen.getByLabelText("Open 24/7"));
    fireEvent.click(screen.getByRole("button", { name: "Save station" }));
    expect(screen.getByLabelText("Station name")).toHaveFocus();
    expect(screen.getByLabelText("Time zone")).toHaveAccessibleDescription("Give an IANA time zone such as Europe/Berlin.");
    expect(screen.getByLabelText("Open 24/7")).toHaveAccessibleDescription("Give the hours of at least one day, or choose open 24/7.");
    fireEvent.click(screen.getByLabelText("Open on Tuesday"));
    fireEvent.change(screen.getByLabelText("Tuesday opens at (HH:MM)"), { target: { value: "21:00" } });
    fireEvent.change(screen.getByLabelText("Tuesday closes at (HH:MM)"), { target: { value: "20:00" } });
    fireEvent.click(screen.getByRole("button", { name: "Save station" }));
    expect(screen.getByLabelText("Tuesday closes at (HH:MM)")).toHaveAccessibleDescription("The station must close after it opens.");
    expect(sent(a.requests, "PATCH")).toHaveLength(0);
  });

  it("puts the API's field errors of a station beside their fields", async () => {
    const a = api({
      [`PATCH ${STATION}`]: problem(422, "validation_failed", "The request body has 1 invalid field(s).", [
        { field: "address.postalCode", message: "String should have at most 20 characters", type: "string_too_long" },
      ]),
    });
    show(a);
    await screen.findByRole("heading", { level: 2, name: "Hafen" });
    fireEvent.click(screen.getByRole("button", { name: "Save station" }));
    expect(await screen.findByText("The request body has 1 invalid field(s).")).toBeInTheDocument();
    const postal = screen.getByLabelText("Postal code");
    expect(postal).toHaveAttribute("aria-invalid", "true");
    expect(postal).toHaveAccessibleDescription("String should have at most 20 characters");
    expect(postal).toHaveFocus();
  });

  it("retires the station only after a confirmation step", async () => {
    const a = api({ [`POST ${STATION}/retire`]: json({ ...station, lifecycle: "retired", connectors: [] }) });
    show(a);
    await screen.findByRole("heading", { level: 2, name: "Hafen" });
    fireEvent.click(screen.getByRole("button", { name: "Retire station…" }));
    expect(sent(a.requests, "POST")).toHaveLength(0);
    const group = screen.getByRole("group", { name: "Retire “Hafen” for good?" });
    expect(group).toHaveAccessibleDescription(/Its charger is retired with it/);
    await waitFor(() => expect(screen.getByRole("button", { name: "Keep the station" })).toHaveFocus());
    fireEvent.click(screen.getByRole("button", { name: "Keep the station" }));
    expect(screen.queryByRole("group", { name: /Retire/ })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole("button", { name: "Retire station…" }));
    fireEvent.click(screen.getByRole("button", { name: "Yes, retire this station" }));
    expect(await screen.findByText(/This station is retired/)).toBeInTheDocument();
    expect(sent(a.requests, "POST", `${STATION}/retire`)).toHaveLength(1);
    expect(screen.queryByRole("button", { name: "Save station" })).not.toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Choose a tariff" })).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 2 })).toHaveTextContent("Hafen retired");
  });

  it("edits a charger's connectors with PATCH /api/chargers/{id}", async () => {
    const a = api({ "PATCH /api/chargers/CP-1": json(charger) });
    show(a);
    fireEvent.click(await screen.findByRole("button", { name: "Edit connectors of CP-1" }));
    const form = within(screen.getByRole("form", { name: "Connectors of CP-1" }));
    fireEvent.change(form.getByLabelText("Connector 1 max. power (kW)"), { target: { value: "60" } });
    fireEvent.click(form.getByRole("button", { name: "Save charger CP-1" }));
    const kw = form.getByLabelText("Connector 1 max. power (kW)");
    expect(kw).toHaveAccessibleDescription("AC delivers at most 43 kW.");
    expect(kw).toHaveFocus();
    expect(sent(a.requests, "PATCH")).toHaveLength(0);

    fireEvent.change(kw, { target: { value: "11" } });
    fireEvent.change(form.getByLabelText("Connector 2 standard"), { target: { value: "CHADEMO" } });
    fireEvent.click(form.getByRole("button", { name: "Add connector" }));
    fireEvent.change(form.getByLabelText("Connector 3 standard"), { target: { value: "TYPE_2" } });
    fireEvent.change(form.getByLabelText("Connector 3 max. power (kW)"), { target: { value: "22" } });
    fireEvent.change(form.getByLabelText("Serial number (optional)"), { target: { value: "SN-9" } });
    fireEvent.click(form.getByRole("button", { name: "Save charger CP-1" }));
    expect(await screen.findByText("Charger CP-1 saved.")).toHaveAttribute("role", "status");
    expect(screen.getByRole("button", { name: "Edit connectors of CP-1" })).toHaveFocus();
    // the chargers and the station (its connectors) are read again; the notice stays
    await waitFor(() => expect(sent(a.requests, "GET", `${STATION}/chargers`)).toHaveLength(2));
    await waitFor(() => expect(sent(a.requests, "GET", STATION)).toHaveLength(2));
    expect(screen.getByText("Charger CP-1 saved.")).toBeInTheDocument();
    expect(await sent(a.requests, "PATCH", "/api/chargers/CP-1")[0]!.json()).toEqual({
      vendor: "ABB",
      model: "Terra",
      serialNumber: "SN-9",
      connectors: [
        { connectorId: 1, standard: "TYPE_2", powerType: "AC", maxPowerKw: 11 },
        { connectorId: 2, standard: "CHADEMO", powerType: "DC", maxPowerKw: 150 },
        { connectorId: 3, standard: "TYPE_2", powerType: "AC", maxPowerKw: 22 },
      ],
    });
  });

  it("shows staff no tariff form and no password rotation, which the API refuses them", async () => {
    const a = api();
    show(a, false);
    await screen.findByRole("heading", { level: 2, name: "Hafen" });
    await screen.findByRole("button", { name: "Edit connectors of CP-1" });
    expect(screen.queryByRole("form", { name: "Choose a tariff" })).not.toBeInTheDocument();
    expect(screen.getByText("0.39 EUR/kWh")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Rotate password" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Feature this station" })).not.toBeInTheDocument();
    // maintenance and retiring are open to staff
    expect(screen.getByRole("button", { name: "Plan maintenance" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retire station…" })).toBeInTheDocument();
    expect(sent(a.requests, "GET", "/api/providers/p-1/tariffs")).toHaveLength(0);
  });
});
