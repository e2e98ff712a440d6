import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json } from "../test/harness";
import { ReservationsPanel } from "./ReservationsPanel";
import { pathOf, render, sent, signedIn } from "./testing";

const base = {
  providerId: "p-1",
  userId: "u-1",
  idTag: "APP-U1",
  ocppReservationId: 7,
  sessionId: null,
  reserveNow: null,
  cancelReservation: null,
  cancelledBy: null,
  cancelReason: null,
  createdAt: "2026-11-25T08:00:00.000Z",
  updatedAt: "2026-11-25T08:00:00.000Z",
};
const upcoming = {
  ...base,
  id: "res_1",
  connectorKey: "CP-1/2",
  stationId: "stn_hafen",
  stationName: "Hafen Nord",
  chargerId: "CP-1",
  connectorId: 2,
  startsAt: "2026-11-25T14:00:00.000Z",
  endsAt: "2026-11-25T14:30:00.000Z",
  status: "confirmed",
};
const cancelled = {
  ...upcoming,
  id: "res_0",
  stationId: "stn_old",
  stationName: null, // stored before the API kept the name
  status: "cancelled",
  cancelReason: "Plans changed",
  startsAt: "2026-11-20T09:00:00.000Z",
  endsAt: "2026-11-20T09:15:00.000Z",
};
const expiredWindow = { ...upcoming, id: "res_old", startsAt: "2026-11-24T09:00:00.000Z", endsAt: "2026-11-24T09:15:00.000Z" };

const now = () => new Date("2026-11-25T12:00:00Z");

function setup(items: unknown[], cancel: (r: Request) => Response = () => json({ ...upcoming, status: "cancelled" })) {
  const api = signedIn((r) => {
    const path = pathOf(r);
    if (path === "/api/reservations") return json({ items, continuationToken: null });
    if (path.endsWith("/cancel")) return cancel(r);
    return undefined;
  });
  render(api, <ReservationsPanel now={now} />, "/account/reservations");
  return api;
}

describe("my reservations", () => {
  it("lists status, window and station by the name each reservation carries, with no station lookups", async () => {
    const api = setup([upcoming, cancelled, expiredWindow]);
    const items = await screen.findAllByRole("listitem");
    expect(items).toHaveLength(3);
    const first = items[0]!;
    expect(within(first).getByRole("link", { name: "Hafen Nord" })).toHaveAttribute("href", "/stations/stn_hafen");
    expect(within(first).getByText("Confirmed")).toBeInTheDocument();
    expect(within(first).getByText("#2 at charger CP-1")).toBeInTheDocument();
    expect(within(first).getByText(/Nov 25, 2026/)).toBeInTheDocument();
    // a reservation without the name: the station's id stands in
    expect(within(items[1]!).getByRole("link", { name: "stn_old" })).toHaveAttribute("href", "/stations/stn_old");
    expect(within(items[1]!).getByText("Plans changed")).toBeInTheDocument();
    // only a confirmed reservation whose window is not over can be cancelled
    expect(within(first).getByRole("button", { name: /^Cancel reservation at Hafen Nord/ })).toBeInTheDocument();
    expect(within(items[1]!).queryByRole("button")).not.toBeInTheDocument();
    expect(within(items[2]!).queryByRole("button")).not.toBeInTheDocument();
    expect(sent(api, "GET").filter((r) => pathOf(r).startsWith("/api/stations"))).toHaveLength(0);
    expect(new URL(sent(api, "GET", "/api/reservations")[0]!.url).searchParams.get("limit")).toBe("20");
  });

  it("cancels with POST to the reservation's cancel address and reloads", async () => {
    const api = setup([upcoming]);
    fireEvent.click(await screen.findByRole("button", { name: /^Cancel reservation at Hafen Nord/ }));
    expect(await screen.findByText("Reservation at Hafen Nord cancelled.")).toBeInTheDocument();
    expect(sent(api, "POST").map(pathOf)).toEqual(["/api/reservations/res_1/cancel"]);
    await waitFor(() => expect(sent(api, "GET", "/api/reservations")).toHaveLength(2));
  });

  it("shows why a cancellation was refused", async () => {
    setup([upcoming], () =>
      json(
        { status: 409, code: "reservation_not_cancellable", detail: "The reservation is used; it cannot be cancelled." },
        409,
      ),
    );
    fireEvent.click(await screen.findByRole("button", { name: /^Cancel reservation at Hafen Nord/ }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The reservation is used; it cannot be cancelled.");
  });

  it("says when there are none", async () => {
    setup([]);
    expect(await screen.findByText(/No reservations\./)).toBeInTheDocument();
  });
});
