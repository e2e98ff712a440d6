import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { Schemas } from "../api/client";
import { fakeApi, json, renderRoute } from "../test/harness";
import { approximate, newDraft, newElement } from "./tariff";
import { TariffEditor, type TariffEditorProps } from "./TariffEditor";

const station = {
  id: "st-1",
  name: "Hafen",
  tariffId: "t-1",
  connectors: [{ chargerId: "CP-1", connectorId: 2, standard: "CCS2", powerType: "DC", maxPowerKw: 150 }],
} as unknown as Schemas["StationView"];

// a Wednesday, 10:00 local time
const wednesday = () => new Date(2026, 10, 25, 10, 0);

function renderEditor(api: ReturnType<typeof fakeApi>, props: Partial<TariffEditorProps> = {}) {
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(
    api,
    "/console/tariffs",
    "/console/tariffs",
    <TariffEditor providerId="p-1" initial={newDraft()} stations={[station]} now={wednesday} {...props} />,
  );
}

const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const pathOf = (r: Request) => new URL(r.url).pathname;

describe("tariff editor", () => {
  it("creates a tariff with the OCPI elements, components and restrictions as typed", async () => {
    const api = fakeApi((request) =>
      pathOf(request) === "/api/providers/p-1/tariffs"
        ? json({ id: "t-9", name: "Day and night", currentVersion: 1 }, 201)
        : json({}, 200),
    );
    renderEditor(api, { stations: [] });
    change("Tariff name", " Day and night ");
    change("Element 1 component 1 price excl. VAT", "0.39");
    change("Element 1 component 1 step (Wh)", "100");
    fireEvent.click(screen.getByRole("button", { name: "Add price component to element 1" }));
    change("Element 1 component 2 type", "PARKING_TIME");
    change("Element 1 component 2 price excl. VAT", "6");
    change("Element 1 component 2 VAT %", "");
    change("Element 1 from time (HH:MM)", "22:00");
    change("Element 1 until time (HH:MM)", "06:00");
    fireEvent.click(screen.getAllByRole("checkbox", { name: "Sat" })[0]!);
    fireEvent.click(screen.getAllByRole("checkbox", { name: "Mon" })[0]!);
    change("Element 1 min. kWh", "5");
    change("Element 1 max. duration (minutes)", "90");
    fireEvent.click(screen.getByRole("button", { name: "Add price element" }));
    change("Element 2 component 1 price excl. VAT", "0.49");
    fireEvent.click(screen.getByRole("button", { name: "Create tariff" }));
    // the API's fallback rule, checked before sending
    expect(screen.getByRole("alert")).toHaveTextContent("The tariff has one problem");
    expect(screen.getByText(/PARKING_TIME needs an element without restrictions after this one/)).toBeInTheDocument();
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    fireEvent.click(screen.getByRole("button", { name: "Add price component to element 2" }));
    change("Element 2 component 2 type", "PARKING_TIME");
    change("Element 2 component 2 price excl. VAT", "0");
    fireEvent.click(screen.getByRole("button", { name: "Create tariff" }));

    expect(await screen.findByText("Tariff “Day and night” created (version 1).")).toHaveAttribute("role", "status");
    const post = api.requests.find((r) => r.method === "POST" && pathOf(r) === "/api/providers/p-1/tariffs")!;
    expect(await post.json()).toEqual({
      name: "Day and night",
      currency: "EUR",
      elements: [
        {
          priceComponents: [
            { type: "ENERGY", price: "0.39", vat: "19", stepSize: 100 },
            { type: "PARKING_TIME", price: "6", vat: null, stepSize: 1 },
          ],
          restrictions: {
            startTime: "22:00",
            endTime: "06:00",
            startDate: null,
            endDate: null,
            minKwh: "5",
            maxKwh: null,
            minCurrent: null,
            maxCurrent: null,
            minPower: null,
            maxPower: null,
            minDuration: null,
            maxDuration: 5400,
            dayOfWeek: ["MONDAY", "SATURDAY"],
            reservation: null,
          },
        },
        {
          priceComponents: [
            { type: "ENERGY", price: "0.49", vat: "19", stepSize: 1 },
            { type: "PARKING_TIME", price: "0", vat: "19", stepSize: 1 },
          ],
          restrictions: null,
        },
      ],
      minPrice: null,
      maxPrice: null,
      tariffAltText: [],
      tariffAltUrl: null,
    });
  }, 20_000); // many form events: slow in jsdom

  it("shows what is wrong next to each field, focuses the first one and sends nothing", async () => {
    const api = fakeApi(() => json({}, 200));
    renderEditor(api, { stations: [] });
    change("Element 1 component 1 price excl. VAT", "abc");
    change("Element 1 component 1 VAT %", "120");
    change("Element 1 from time (HH:MM)", "25:00");
    fireEvent.click(screen.getByRole("button", { name: "Create tariff" }));

    expect(screen.getByRole("alert")).toHaveTextContent("The tariff has 6 problems");
    expect(screen.getByText(/ENERGY needs an element without restrictions after this one/)).toBeInTheDocument();
    const name = screen.getByLabelText("Tariff name");
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription("Give the tariff a name.");
    expect(name).toHaveFocus();
    expect(screen.getByLabelText("Element 1 component 1 price excl. VAT")).toHaveAccessibleDescription(
      "Price must be a number of 0 or more, e.g. 0.39.",
    );
    expect(screen.getByLabelText("Element 1 component 1 VAT %")).toHaveAccessibleDescription("VAT is a percentage from 0 to 100.");
    expect(screen.getByLabelText("Element 1 from time (HH:MM)")).toHaveAccessibleDescription("Time of day is HH:MM, e.g. 08:00.");
    expect(screen.getByLabelText("Element 1 until time (HH:MM)")).toHaveAccessibleDescription(
      "Give both a start and an end time, or neither.",
    );
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });

  it("previews the saved version through the price estimate and an edited draft through the API's preview", async () => {
    const api = fakeApi((request) => {
      if (pathOf(request) === "/api/stations/st-1/price-estimate")
        return json({
          stationId: "st-1",
          connectorKey: "CP-1/2",
          tariffId: "t-1",
          tariffVersion: 3,
          summary: "0.39 EUR/kWh",
          powerKw: 150,
          kwh: "20",
          minutes: 45,
          total: { amount: "9.28", currency: "EUR" },
          cost: { currency: "EUR", lines: [], exclVat: "7.80", vat: "1.48", total: "9.28" },
        });
      if (pathOf(request) === "/api/tariffs/preview" && request.method === "POST")
        return json({
          stationId: "st-1",
          connectorKey: "CP-1/2",
          summary: "0.50 EUR/kWh",
          powerKw: 150,
          kwh: "10.000",
          minutes: 4,
          startAt: "2026-11-25T09:00:00Z",
          total: { amount: "5.95", currency: "EUR" },
          cost: { currency: "EUR", lines: [], exclVat: "5.00", vat: "0.95", total: "5.95" },
        });
      return json({}, 200);
    });
    const initial = newDraft();
    initial.elements[0]!.components[0]!.price = "0.39";
    renderEditor(api, { tariffId: "t-1", initial });

    expect(await screen.findByTestId("api-estimate")).toHaveTextContent(/9[.,]28/);
    const estimate = api.requests.find((r) => pathOf(r) === "/api/stations/st-1/price-estimate")!;
    expect(Object.fromEntries(new URL(estimate.url).searchParams)).toEqual({ connectorKey: "CP-1/2", kwh: "20", minutes: "45" });
    expect(screen.getByText(/Saved version at Hafen \(CP-1\/2\), from the API/)).toBeInTheDocument();
    expect(screen.queryByTestId("draft-preview")).not.toBeInTheDocument(); // nothing unsaved yet
    expect(screen.queryByTestId("approximation")).not.toBeInTheDocument();

    // typed in a row: one request, for the draft as it stands once typing pauses
    change("Element 1 component 1 price excl. VAT", "0.5");
    change("Element 1 component 1 price excl. VAT", "0.50");
    change("Preview energy (kWh)", "10");
    expect(await screen.findByTestId("draft-price")).toHaveTextContent(/5[.,]95/);
    const previews = api.requests.filter((r) => pathOf(r) === "/api/tariffs/preview");
    expect(previews.map((r) => r.method)).toEqual(["POST"]);
    expect(await previews[0]!.json()).toEqual({
      tariff: {
        currency: "EUR",
        elements: [{ priceComponents: [{ type: "ENERGY", price: "0.50", vat: "19", stepSize: 1 }], restrictions: null }],
        minPrice: null,
        maxPrice: null,
        tariffAltText: [],
        tariffAltUrl: null,
      },
      stationId: "st-1",
      connectorKey: "CP-1/2",
      kwh: "10",
      minutes: 45,
      startAt: null,
    });
    expect(screen.getByTestId("draft-preview")).toHaveTextContent("This draft at Hafen (CP-1/2), priced by the API");
    expect(screen.getByTestId("draft-preview")).toHaveTextContent(/10 kWh in 4 min at 150 kW/);
    expect(screen.queryByTestId("approximation")).not.toBeInTheDocument();
    await waitFor(() =>
      expect(api.requests.some((r) => pathOf(r) === "/api/stations/st-1/price-estimate" && new URL(r.url).searchParams.get("kwh") === "10")).toBe(true),
    );
  });

  it("prices a new tariff at the provider's first connector once the draft is complete, and shows the API's refusal", async () => {
    const refusal =
      "Element 2 prices ENERGY after element 1 priced it without restrictions, so it would never apply; put restricted elements first.";
    const api = fakeApi((request) =>
      pathOf(request) === "/api/tariffs/preview"
        ? json({ type: "about:blank", title: "Invalid input", status: 422, code: "tariff_unreachable_element", detail: refusal }, 422)
        : json({}, 200),
    );
    renderEditor(api); // a new tariff; Hafen uses another one, but has a connector to price at
    expect(screen.getByTestId("draft-preview")).toHaveTextContent(
      "The draft has one problem; the API prices it once it is complete.",
    );
    change("Element 1 component 1 price excl. VAT", "0.45");
    expect(await screen.findByRole("alert")).toHaveTextContent(refusal);
    const sent = api.requests.filter((r) => pathOf(r) === "/api/tariffs/preview");
    expect(sent).toHaveLength(1);
    expect(await sent[0]!.json()).toMatchObject({ stationId: "st-1", connectorKey: "CP-1/2", kwh: "20", minutes: 45 });
    expect(screen.queryByTestId("approximation")).not.toBeInTheDocument();
  });

  it("approximates a draft in the browser only when the provider has no connector to price at", async () => {
    const api = fakeApi(() => json({}, 200));
    renderEditor(api, { stations: [{ ...station, connectors: [] }] });
    change("Element 1 component 1 price excl. VAT", "0.50");
    const approx = screen.getByTestId("approximation");
    expect(approx).toHaveTextContent("Approximation of this draft (computed in your browser)");
    expect(approx).toHaveTextContent("None of your stations has a connector yet");
    // 20 kWh x 0.50 = 10.00 excl. VAT, 19 % VAT = 1.90, 11.90 in all
    expect(approx).toHaveTextContent(/11[.,]90/);
    change("Preview energy (kWh)", "10");
    expect(screen.getByTestId("approximation")).toHaveTextContent(/5[.,]95/);
    expect(screen.queryByTestId("draft-preview")).not.toBeInTheDocument();
    expect(api.requests.some((r) => pathOf(r) === "/api/tariffs/preview")).toBe(false);
  });

  it("approximates by restrictions and step sizes", () => {
    const draft = newDraft();
    draft.elements = [
      { ...newElement(), components: [{ type: "ENERGY", price: "0.30", vat: "0", stepSize: "1000" }], startTime: "22:00", endTime: "06:00" },
      { ...newElement(), components: [{ type: "ENERGY", price: "0.50", vat: "0", stepSize: "1000" }, { type: "FLAT", price: "1", vat: "0", stepSize: "1" }] },
      { ...newElement(), components: [{ type: "TIME", price: "6", vat: "0", stepSize: "900" }], days: ["SATURDAY"] },
    ];
    // Wednesday 10:00: the night element does not apply; 10.2 kWh rounds up to 11 kWh; no Saturday time fee
    expect(approximate(draft, 10.2, 30, wednesday()).total).toBe(6.5);
    // at 23:00 the night price applies, the flat fee still comes from the second element
    expect(approximate(draft, 10, 30, new Date(2026, 10, 25, 23, 0)).total).toBe(4);
    // Saturday: 20 minutes round up to 30 (900 s steps) at 6/h = 3
    expect(approximate(draft, 10, 20, new Date(2026, 10, 28, 10, 0)).total).toBe(9);
  });
});
