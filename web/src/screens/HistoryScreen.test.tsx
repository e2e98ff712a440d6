import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { HistoryScreen } from "./HistoryScreen";

const base = {
  stationId: "stn_hafen",
  stationName: "Hafen Nord",
  requestedAt: "2026-11-20T08:59:00Z",
  startedAt: "2026-11-20T09:00:00Z",
  durationSeconds: 1800,
  cost: { amount: "9.90", currency: "EUR" },
  reviewId: null,
};
const sessions = [
  { ...base, id: "ses_hafen_1", status: "stopped", energyKwh: "21.5" },
  { ...base, id: "ses_hafen_2", status: "stopped", energyKwh: "0" },
  { ...base, id: "ses_hafen_3", status: "active", energyKwh: "3.2" },
  { ...base, id: "ses_hafen_4", status: "failed", energyKwh: "0", startedAt: null, cost: null },
  { ...base, id: "ses_hafen_5", status: "stopped", energyKwh: "12", reviewId: "rev_ses_hafen_5" },
];

function setup(answer: () => Response) {
  const api = fakeApi((r) => (new URL(r.url).pathname === "/api/sessions" ? answer() : json({}, 200)));
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(api, "/sessions", "/sessions", <HistoryScreen />);
}

describe("charging history", () => {
  it("offers a review only for completed sessions (stopped, energy delivered)", async () => {
    setup(() => json({ items: sessions, continuationToken: null }));
    const rows = (await screen.findAllByRole("row")).slice(1);
    expect(rows).toHaveLength(5);
    const review = within(rows[0]!).getByRole("link", { name: /^Review Hafen Nord/ });
    expect(review).toHaveAttribute("href", "/sessions/ses_hafen_1/review");
    expect(review).toHaveTextContent("Review");
    for (const row of rows.slice(1, 4)) {
      expect(within(row).queryByRole("link", { name: /^Review/ })).not.toBeInTheDocument();
      expect(within(row).queryByRole("link", { name: /your review/ })).not.toBeInTheDocument();
    }
  });

  it("tells a reviewed session by its reviewId and links to that review's editor", async () => {
    setup(() => json({ items: sessions, continuationToken: null }));
    const rows = (await screen.findAllByRole("row")).slice(1);
    const reviewed = within(rows[4]!).getByRole("link", { name: /^Edit your review of Hafen Nord/ });
    expect(reviewed).toHaveTextContent("Your review");
    expect(reviewed).toHaveAttribute("href", "/sessions/ses_hafen_5/review");
    expect(within(rows[0]!).queryByText("Your review")).not.toBeInTheDocument();
  });

  it("shows the API's problem in words", async () => {
    setup(() => json({ status: 503, code: "dependency_failed", detail: "The database is not reachable." }, 503));
    expect(await screen.findByRole("alert")).toHaveTextContent("The database is not reachable.");
  });

  it("says when there are no sessions yet", async () => {
    setup(() => json({ items: [], continuationToken: null }));
    expect(await screen.findByText(/No sessions yet\./)).toBeInTheDocument();
  });
});
