import { fireEvent, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { Schemas } from "../api/client";
import { fakeApi, json, renderRoute } from "../test/harness";
import { FeaturedStation } from "./FeaturedStation";
import { noContent, problem, routes, sent } from "./testRoutes";

const station = {
  id: "st-1",
  name: "Hafen",
  timeZone: "Europe/Berlin",
  lifecycle: "active",
  featuredFrom: null,
  featuredUntil: null,
} as unknown as Schemas["StationView"];
const now = () => new Date("2030-01-05T08:00:00Z");
const FEATURED = "/api/stations/st-1/featured";

function show(api: ReturnType<typeof fakeApi>, s: Partial<Schemas["StationView"]> = {}, admin = true) {
  renderRoute(
    api,
    "/console/stations/st-1",
    "/console/stations/:stationId",
    <FeaturedStation station={{ ...station, ...s }} admin={admin} now={now} />,
  );
}
const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const feature = () => fireEvent.click(screen.getByRole("button", { name: "Feature this station" }));

describe("featured station", () => {
  it("features the station for a period typed in the station's time zone, then stops it", async () => {
    const api = fakeApi(
      routes({
        [`PUT ${FEATURED}`]: json({ stationId: "st-1", featuredFrom: "2030-01-05T08:00:00Z", featuredUntil: "2030-02-01T23:00:00Z" }),
        [`DELETE ${FEATURED}`]: noContent(),
      }),
    );
    show(api);
    expect(screen.getByTestId("featured-state")).toHaveTextContent("Not featured.");
    expect(screen.queryByRole("button", { name: "Stop featuring" })).not.toBeInTheDocument();
    change("Featured from (station time)", "2030-01-05T09:00");
    change("Featured until (station time)", "2030-02-02T00:00");
    feature();

    expect(await screen.findByRole("status")).toHaveTextContent(/Saved: Featured now, until Feb 2, 2030, 12:00\s?AM/);
    expect(await sent(api.requests, "PUT", FEATURED)[0]!.json()).toEqual({
      from: "2030-01-05T08:00:00.000Z",
      until: "2030-02-01T23:00:00.000Z",
    });
    expect(screen.getByTestId("featured-state")).toHaveTextContent(/Featured now, until/);

    fireEvent.click(screen.getByRole("button", { name: "Stop featuring" }));
    expect(await screen.findByText("The station is no longer featured.")).toBeInTheDocument();
    expect(sent(api.requests, "DELETE", FEATURED)).toHaveLength(1);
    expect(screen.getByTestId("featured-state")).toHaveTextContent("Not featured.");
  });

  it("shows the current period, and an upcoming or ended one", () => {
    const api = fakeApi(routes({}));
    show(api, { featuredFrom: "2030-01-10T09:00:00Z", featuredUntil: "2030-01-20T09:00:00Z" });
    expect(screen.getByTestId("featured-state")).toHaveTextContent(/Featured from Jan 10, 2030, 10:00\s?AM until Jan 20, 2030, 10:00\s?AM \(not started yet\)/);
    // the form starts from the planned period
    expect(screen.getByLabelText("Featured from (station time)")).toHaveValue("2030-01-10T10:00");
    expect(screen.getByRole("button", { name: "Stop featuring" })).toBeInTheDocument();
  });

  it("says an ended period is over", () => {
    const api = fakeApi(routes({}));
    show(api, { featuredFrom: "2029-12-01T09:00:00Z", featuredUntil: "2030-01-01T09:00:00Z" });
    expect(screen.getByTestId("featured-state")).toHaveTextContent(/Not featured \(the last period ended Jan 1, 2030/);
    expect(screen.queryByRole("button", { name: "Stop featuring" })).not.toBeInTheDocument();
  });

  it("refuses more than 90 days or an end before the start, beside the field, and sends nothing", () => {
    const api = fakeApi(routes({}));
    show(api);
    change("Featured from (station time)", "2030-01-05T10:00");
    change("Featured until (station time)", "2030-04-06T10:00");
    feature();
    const until = screen.getByLabelText("Featured until (station time)");
    expect(until).toHaveAttribute("aria-invalid", "true");
    expect(until).toHaveAccessibleDescription(/at most 90 days at a time/);
    expect(until).toHaveFocus();
    change("Featured until (station time)", "2030-01-04T10:00");
    feature();
    expect(until).toHaveAccessibleDescription(/The end must be after the start\./);
    expect(api.requests).toHaveLength(0);
  });

  it("shows the API's problem in words", async () => {
    const api = fakeApi(routes({ [`PUT ${FEATURED}`]: problem(409, "station_retired", "The station is retired; it can no longer change.") }));
    show(api);
    change("Featured from (station time)", "2030-01-05T10:00");
    change("Featured until (station time)", "2030-01-06T10:00");
    feature();
    expect(await screen.findByRole("alert")).toHaveTextContent("The station is retired; it can no longer change.");
  });

  it("shows staff the state without the form the API would refuse them", () => {
    const api = fakeApi(routes({}));
    show(api, { featuredFrom: "2030-01-01T09:00:00Z", featuredUntil: "2030-01-20T09:00:00Z" }, false);
    expect(screen.getByTestId("featured-state")).toHaveTextContent(/Featured now, until Jan 20, 2030/);
    expect(screen.queryByRole("button", { name: "Feature this station" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Stop featuring" })).not.toBeInTheDocument();
    expect(screen.getByText("Provider admins can feature the station.")).toBeInTheDocument();
  });
});
