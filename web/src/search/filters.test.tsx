import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";

import { FilterPanel } from "./FilterPanel";
import { NO_FILTERS, stationQuery, type Area, type SearchFilters } from "./filters";

const BOX: Area = { kind: "bbox", west: 13.3, south: 52.48, east: 13.5, north: 52.56 };

function Harness({ onQuery }: { onQuery(q: ReturnType<typeof stationQuery>): void }) {
  const [filters, setFilters] = useState<SearchFilters>(NO_FILTERS);
  onQuery(stationQuery(BOX, filters));
  return <FilterPanel value={filters} onChange={setFilters} />;
}

describe("station search filters", () => {
  it("sends only the area when no filter is set", () => {
    expect(stationQuery(BOX, NO_FILTERS)).toEqual({ limit: 100, bbox: "13.3,52.48,13.5,52.56" });
    expect(stationQuery({ kind: "radius", lat: 52.520008, lon: 13.404954, radiusKm: 3 }, NO_FILTERS, 20)).toEqual({
      limit: 20,
      lat: 52.52001,
      lon: 13.40495,
      radiusKm: 3,
    });
  });

  it("builds the query from what the driver picks", () => {
    let last: ReturnType<typeof stationQuery> | undefined;
    render(<Harness onQuery={(q) => (last = q)} />);
    fireEvent.change(screen.getByLabelText("Connector"), { target: { value: "CCS2" } });
    fireEvent.change(screen.getByLabelText("Min. power (kW)"), { target: { value: "50" } });
    fireEvent.click(screen.getByLabelText("Available now"));
    fireEvent.change(screen.getByLabelText("Max. price per kWh"), { target: { value: "0.59" } });
    fireEvent.change(screen.getByLabelText("Min. rating"), { target: { value: "4" } });
    fireEvent.change(screen.getByLabelText("Min. reliability"), { target: { value: "70" } });
    fireEvent.change(screen.getByLabelText("Name, street or city"), { target: { value: " Alexanderplatz " } });
    expect(last).toEqual({
      limit: 100,
      bbox: "13.3,52.48,13.5,52.56",
      standard: "CCS2",
      minPowerKw: 50,
      availableNow: true,
      maxPricePerKwh: 0.59,
      minRating: 4,
      minReliability: 70,
      q: "Alexanderplatz",
    });
  });

  it("leaves out values that are not positive numbers, and clears everything", () => {
    let last: ReturnType<typeof stationQuery> | undefined;
    render(<Harness onQuery={(q) => (last = q)} />);
    fireEvent.change(screen.getByLabelText("Min. power (kW)"), { target: { value: "0" } });
    fireEvent.change(screen.getByLabelText("Max. price per kWh"), { target: { value: "" } });
    expect(last).toEqual({ limit: 100, bbox: "13.3,52.48,13.5,52.56" });
    fireEvent.change(screen.getByLabelText("Connector"), { target: { value: "TYPE_2" } });
    expect(last?.standard).toBe("TYPE_2");
    fireEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(last).toEqual({ limit: 100, bbox: "13.3,52.48,13.5,52.56" });
  });
});
