import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { localInputValue, ReserveConnector } from "./ReserveConnector";

const NOW = new Date(2026, 10, 30, 14, 7, 42); // local time

function renderReserve(api: ReturnType<typeof fakeApi>) {
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(
    api,
    "/stations/st-1",
    "/stations/:stationId",
    <ReserveConnector stationId="st-1" connectorKey="CP-1/2" now={() => NOW} />,
  );
}

const reservation = {
  id: "res-1",
  connectorKey: "CP-1/2",
  stationId: "st-1",
  status: "confirmed",
  startsAt: "2026-11-30T14:30:00Z",
  endsAt: "2026-11-30T15:15:00Z",
};

describe("reserve a connector", () => {
  it("starts the form at the current minute in the browser's time zone", () => {
    expect(localInputValue(NOW)).toBe("2026-11-30T14:07");
    renderReserve(fakeApi(() => json({}, 200)));
    expect(screen.getByLabelText("From")).toHaveValue("2026-11-30T14:07");
    expect(screen.getByLabelText("For")).toHaveValue("30");
  });

  it("sends the connector, the start as an instant and the length, then offers to cancel", async () => {
    const api = fakeApi((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/reservations") return json(reservation, 201);
      if (path === "/api/reservations/res-1/cancel") return json({ ...reservation, status: "cancelled" });
      return json({}, 404);
    });
    renderReserve(api);
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-11-30T15:30" } });
    fireEvent.change(screen.getByLabelText("For"), { target: { value: "45" } });
    fireEvent.click(screen.getByRole("button", { name: "Reserve" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Only you can start charging here");
    const post = api.requests.find((r) => new URL(r.url).pathname === "/api/reservations")!;
    expect(post.method).toBe("POST");
    expect(await post.json()).toEqual({
      stationId: "st-1",
      connectorKey: "CP-1/2",
      startsAt: new Date(2026, 10, 30, 15, 30).toISOString(),
      durationMinutes: 45,
    });

    fireEvent.click(screen.getByRole("button", { name: "Cancel reservation" }));
    expect(await screen.findByRole("button", { name: "Reserve" })).toBeEnabled();
    expect(api.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toContain(
      "POST /api/reservations/res-1/cancel",
    );
  });

  it("shows a refusal in the API's words and keeps the form", async () => {
    const api = fakeApi(() =>
      json(
        { status: 409, code: "reservation_overlaps", detail: "This connector is already reserved at that time." },
        409,
      ),
    );
    renderReserve(api);
    fireEvent.click(screen.getByRole("button", { name: "Reserve" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This connector is already reserved at that time.");
    await waitFor(() => expect(screen.getByRole("button", { name: "Reserve" })).toBeEnabled());
  });

  it("sends nothing without a start time", () => {
    const api = fakeApi(() => json(reservation, 201));
    renderReserve(api);
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "" } });
    fireEvent.submit(screen.getByRole("button", { name: "Reserve" }).closest("form")!);
    expect(screen.getByRole("alert")).toHaveTextContent("Choose when the reservation starts.");
    expect(api.requests.filter((r) => r.method === "POST")).toHaveLength(0);
  });
});
