import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { Reviews } from "./Reviews";

const theirs = {
  id: "rev_ses_hafen_0",
  stationId: "stn_hafen",
  rating: 3,
  text: "Fine.",
  status: "visible",
  reply: { text: "Thanks!", by: "u-9", at: "2026-11-21T10:00:00Z" },
  mine: false,
  createdAt: "2026-11-19T10:00:00Z",
  updatedAt: "2026-11-19T10:00:00Z",
  editedAt: null,
};
const mine = { ...theirs, id: "rev_ses_hafen_1", rating: 4, text: "Quick and clean.", reply: null, mine: true, createdAt: "2026-11-20T10:00:00Z" };

const pathOf = (r: Request) => new URL(r.url).pathname;

function setup(answer: (r: Request) => Response | undefined = () => undefined) {
  const api = fakeApi((r) => {
    const answered = answer(r);
    if (answered) return answered;
    if (pathOf(r) === "/api/stations/stn_hafen/reviews") return json({ items: [mine, theirs], continuationToken: null });
    if (pathOf(r) === "/api/reviews/rev_ses_hafen_1") return json(mine, 200, { etag: '"e7"' });
    return json({ status: 404, code: "not_found", detail: "No such thing." }, 404);
  });
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(api, "/stations/stn_hafen", "/stations/:stationId", <Reviews stationId="stn_hafen" />);
  return api;
}

describe("station reviews", () => {
  it("marks the caller's own review and offers to edit only that one", async () => {
    setup();
    const items = await screen.findAllByRole("listitem");
    expect(within(items[0]!).getByText("Your review")).toBeInTheDocument();
    expect(within(items[0]!).getByRole("img", { name: "4 of 5 stars" })).toBeInTheDocument();
    expect(within(items[0]!).getByRole("button", { name: "Edit your review" })).toBeInTheDocument();
    expect(within(items[1]!).queryByRole("button")).not.toBeInTheDocument();
    expect(within(items[1]!).getByText("Thanks!")).toBeInTheDocument();
  });

  it("edits the own review with the ETag read for it, then reloads the list", async () => {
    const api = setup((r) =>
      r.method === "PATCH" ? json({ ...mine, rating: 5 }, 200, { etag: '"e8"' }) : undefined,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Edit your review" }));
    fireEvent.click(await screen.findByRole("radio", { name: "5 stars" }));
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText("Your review is updated.")).toBeInTheDocument();
    const patch = api.requests.find((r) => r.method === "PATCH")!;
    expect(pathOf(patch)).toBe("/api/reviews/rev_ses_hafen_1");
    expect(patch.headers.get("if-match")).toBe('"e7"');
    expect(await patch.json()).toEqual({ rating: 5, text: "Quick and clean." });
    await waitFor(() =>
      expect(api.requests.filter((r) => pathOf(r) === "/api/stations/stn_hafen/reviews")).toHaveLength(2),
    );
  });

  it("deletes the own review with If-Match", async () => {
    const api = setup((r) => (r.method === "DELETE" ? new Response(null, { status: 204 }) : undefined));
    fireEvent.click(await screen.findByRole("button", { name: "Edit your review" }));
    fireEvent.click(await screen.findByRole("button", { name: "Delete review" }));
    fireEvent.click(screen.getByRole("button", { name: "Yes, delete it" }));
    expect(await screen.findByText("Your review is deleted.")).toBeInTheDocument();
    const del = api.requests.find((r) => r.method === "DELETE")!;
    expect(pathOf(del)).toBe("/api/reviews/rev_ses_hafen_1");
    expect(del.headers.get("if-match")).toBe('"e7"');
  });

  it("shows the API's refusal in words, and cancelling closes the editor", async () => {
    setup((r) =>
      r.method === "PATCH"
        ? json({ status: 403, code: "forbidden", detail: "Only its author may change a review." }, 403)
        : undefined,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Edit your review" }));
    fireEvent.click(await screen.findByRole("button", { name: "Save changes" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Only its author may change a review.");
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.getByRole("button", { name: "Edit your review" })).toBeInTheDocument();
  });
});
