import { fireEvent, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { WriteReview } from "./WriteReview";

const session = {
  id: "ses_hafen_1",
  status: "stopped",
  stationId: "stn_hafen",
  stationName: "Hafen Nord",
  startedAt: "2026-11-20T09:00:00Z",
  requestedAt: "2026-11-20T08:59:00Z",
  energyKwh: "21.5",
  reviewId: null,
};
const reviewed = { ...session, reviewId: "rev_ses_hafen_1" };
const review = {
  id: "rev_ses_hafen_1",
  stationId: "stn_hafen",
  rating: 4,
  text: "Quick and clean.",
  status: "visible",
  reply: null,
  mine: true,
  createdAt: "2026-11-20T10:00:00Z",
  updatedAt: "2026-11-20T10:00:00Z",
  editedAt: null,
};
const missing = () => json({ status: 404, code: "review_not_found", detail: "No such review." }, 404);

const pathOf = (r: Request) => new URL(r.url).pathname;
const sent = (api: ReturnType<typeof fakeApi>, method: string) => api.requests.filter((r) => r.method === method);
const reviewReads = (api: ReturnType<typeof fakeApi>) =>
  sent(api, "GET").filter((r) => pathOf(r).startsWith("/api/reviews/"));

function setup(answer: (r: Request) => Response | undefined, theSession: object = session) {
  const api = fakeApi((r) => {
    const answered = answer(r);
    if (answered) return answered;
    if (pathOf(r) === "/api/sessions/ses_hafen_1") return json(theSession);
    if (pathOf(r) === "/api/me") return json({ id: "u-1", email: "a@b.example", name: "Ada", roles: ["driver"], locale: "en", createdAt: "2026-01-01T00:00:00Z" });
    return missing();
  });
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(api, "/sessions/ses_hafen_1/review", "/sessions/:sessionId/review", <WriteReview />);
  return api;
}

describe("writing a review", () => {
  it("needs stars, then posts rating, text and the session to the station's reviews", async () => {
    const api = setup((r) =>
      r.method === "POST" && pathOf(r) === "/api/stations/stn_hafen/reviews"
        ? json({ ...review, rating: 5, text: "Fast charger, free parking." }, 201, { etag: '"e1"' })
        : undefined,
    );
    expect(await screen.findByRole("link", { name: "Hafen Nord" })).toHaveAttribute("href", "/stations/stn_hafen");
    fireEvent.change(await screen.findByLabelText("Your review"), { target: { value: "  Fast charger, free parking. " } });
    expect(reviewReads(api)).toHaveLength(0); // the session names no review: none is looked for
    fireEvent.click(screen.getByRole("button", { name: "Publish review" }));
    expect(screen.getByRole("group", { name: "Rating" })).toHaveAccessibleDescription("Choose from 1 to 5 stars.");
    expect(screen.getByRole("radio", { name: "1 star" })).toHaveFocus();
    expect(sent(api, "POST")).toHaveLength(0);

    fireEvent.click(screen.getByRole("radio", { name: "5 stars" }));
    fireEvent.click(screen.getByRole("button", { name: "Publish review" }));
    expect(await screen.findByText("Thank you: your review is published.")).toBeInTheDocument();
    const [post] = sent(api, "POST");
    expect(pathOf(post!)).toBe("/api/stations/stn_hafen/reviews");
    expect(await post!.json()).toEqual({ sessionId: "ses_hafen_1", rating: 5, text: "Fast charger, free parking." });
    // now the author's editor, with the review as published
    expect(screen.getByRole("heading", { name: "Edit your review" })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "5 stars" })).toBeChecked();
  });

  it("edits the existing review with If-Match and the changed stars", async () => {
    const api = setup((r) => {
      if (pathOf(r) !== "/api/reviews/rev_ses_hafen_1") return undefined;
      if (r.method === "PATCH") return json({ ...review, rating: 2, text: "Broken cable." }, 200, { etag: '"e2"' });
      return json(review, 200, { etag: '"e1"' });
    }, reviewed);
    expect(await screen.findByRole("heading", { name: "Edit your review" })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "4 stars" })).toBeChecked();
    expect(screen.getByLabelText("Your review")).toHaveValue("Quick and clean.");
    fireEvent.click(screen.getByRole("radio", { name: "2 stars" }));
    fireEvent.change(screen.getByLabelText("Your review"), { target: { value: "Broken cable." } });
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText("Your review is updated.")).toBeInTheDocument();
    const [patch] = sent(api, "PATCH");
    expect(patch!.headers.get("if-match")).toBe('"e1"');
    expect(await patch!.json()).toEqual({ rating: 2, text: "Broken cable." });
  });

  it("deletes it with If-Match after asking, then offers a new one", async () => {
    const api = setup((r) => {
      if (pathOf(r) !== "/api/reviews/rev_ses_hafen_1") return undefined;
      if (r.method === "DELETE") return new Response(null, { status: 204 });
      return json(review, 200, { etag: '"e1"' });
    }, reviewed);
    fireEvent.click(await screen.findByRole("button", { name: "Delete review" }));
    expect(sent(api, "DELETE")).toHaveLength(0);
    fireEvent.click(screen.getByRole("button", { name: "Yes, delete it" }));
    expect(await screen.findByText("Your review is deleted. You can write a new one.")).toBeInTheDocument();
    expect(sent(api, "DELETE")[0]!.headers.get("if-match")).toBe('"e1"');
    expect(screen.getByRole("button", { name: "Publish review" })).toBeInTheDocument();
  });

  it("explains a review changed elsewhere (412)", async () => {
    setup((r) => {
      if (pathOf(r) !== "/api/reviews/rev_ses_hafen_1") return undefined;
      if (r.method === "PATCH")
        return json({ status: 412, code: "stale_version", detail: "The review changed since you read it; reload." }, 412);
      return json(review, 200, { etag: '"e1"' });
    }, reviewed);
    fireEvent.click(await screen.findByRole("button", { name: "Save changes" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The review changed since you read it; reload.");
    expect(alert).toHaveTextContent("Reload the page to see the review as it is now.");
  });

  it("reads the review the session names, whatever its id", async () => {
    const api = setup(
      (r) => (pathOf(r) === "/api/reviews/rev_other" ? json({ ...review, id: "rev_other" }, 200, { etag: '"e1"' }) : undefined),
      { ...session, reviewId: "rev_other" },
    );
    expect(await screen.findByRole("heading", { name: "Edit your review" })).toBeInTheDocument();
    expect(screen.getByLabelText("Your review")).toHaveValue("Quick and clean.");
    expect(reviewReads(api).map(pathOf)).toEqual(["/api/reviews/rev_other"]);
  });

  it("offers a new review when the review the session names is gone", async () => {
    setup(() => undefined, reviewed); // GET /api/reviews/rev_ses_hafen_1 answers 404
    expect(await screen.findByRole("button", { name: "Publish review" })).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("opens the existing review when the API says the session is reviewed already", async () => {
    let posted = false;
    setup((r) => {
      if (r.method === "POST") {
        posted = true;
        return json(
          { status: 409, code: "review_exists", detail: "You reviewed this session already.", reviewId: "rev_ses_hafen_1" },
          409,
        );
      }
      if (pathOf(r) === "/api/reviews/rev_ses_hafen_1") return posted ? json(review, 200, { etag: '"e1"' }) : missing();
      return undefined;
    });
    fireEvent.click(await screen.findByRole("radio", { name: "3 stars" }));
    fireEvent.click(screen.getByRole("button", { name: "Publish review" }));
    expect(await screen.findByRole("heading", { name: "Edit your review" })).toBeInTheDocument();
    expect(screen.getByText("You reviewed this session already; you can edit that review here.")).toBeInTheDocument();
    expect(screen.getByLabelText("Your review")).toHaveValue("Quick and clean.");
  });

  it("shows the API's field error beside the text", async () => {
    setup((r) =>
      r.method === "POST"
        ? json(
            {
              status: 422,
              code: "validation_failed",
              detail: "The request query or body has 1 invalid field(s).",
              errors: [{ field: "text", message: "Value error, text may not contain control characters (U+0007)" }],
            },
            422,
          )
        : undefined,
    );
    fireEvent.click(await screen.findByRole("radio", { name: "1 star" }));
    fireEvent.click(screen.getByRole("button", { name: "Publish review" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The request query or body has 1 invalid field(s).");
    const text = screen.getByLabelText("Your review");
    expect(text).toHaveAttribute("aria-invalid", "true");
    expect(text).toHaveAccessibleDescription(/text may not contain control characters/);
  });

  it("offers no form for a session that has not completed", async () => {
    const api = setup(() => undefined, { ...session, status: "failed", energyKwh: "0" });
    expect(await screen.findByText(/You can review a station once a session there has completed/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Publish review" })).not.toBeInTheDocument();
    expect(sent(api, "POST")).toHaveLength(0);
  });
});
