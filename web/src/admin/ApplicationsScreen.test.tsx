import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { ApplicationsScreen } from "./ApplicationsScreen";

const application = {
  id: "app-1",
  applicantUserId: "u-7",
  legalName: "Volt GmbH",
  displayName: "Volt",
  vatId: "DE123456789",
  country: "DE",
  currency: "EUR",
  supportEmail: "help@volt.example",
  status: "pending",
  createdAt: "2026-11-20T10:00:00Z",
};

function setup(answer: (request: Request) => Response | undefined) {
  let decided = false;
  const api = fakeApi((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/api/platform/provider-applications")
      return json({ items: decided ? [] : [application], continuationToken: null });
    const answered = answer(request);
    if (answered) {
      decided = answered.ok;
      return answered;
    }
    return json({}, 200);
  });
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(api, "/admin", "/admin", <ApplicationsScreen />);
  return api;
}

describe("provider applications", () => {
  it("approve posts to the application's approve endpoint, then the list reloads", async () => {
    const api = setup((r) =>
      new URL(r.url).pathname === "/api/platform/provider-applications/app-1/approve"
        ? json({ ...application, status: "approved", providerId: "p-9" })
        : undefined,
    );
    const list = api.requests.find((r) => new URL(r.url).pathname === "/api/platform/provider-applications");
    fireEvent.click(await screen.findByRole("button", { name: "Approve Volt" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Volt approved");
    const posts = api.requests.filter((r) => r.method === "POST");
    expect(posts.map((r) => new URL(r.url).pathname)).toEqual(["/api/platform/provider-applications/app-1/approve"]);
    expect(new URL(list!.url).searchParams.get("status")).toBe("pending");
    await waitFor(() => expect(screen.getByText("No pending applications.")).toBeInTheDocument());
  });

  it("reject needs a reason and sends it; the API's problem is shown in words", async () => {
    const api = setup((r) =>
      new URL(r.url).pathname === "/api/platform/provider-applications/app-1/reject"
        ? json({ status: 409, code: "application_decided", detail: "This application was already decided." }, 409)
        : undefined,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Reject Volt…" }));
    const submit = screen.getByRole("button", { name: "Reject Volt" });
    expect(submit).toBeDisabled();
    fireEvent.change(screen.getByLabelText(/Why is Volt rejected/), { target: { value: "VAT ID invalid" } });
    fireEvent.click(submit);
    expect(await screen.findByRole("alert")).toHaveTextContent("This application was already decided.");
    const post = api.requests.find((r) => r.method === "POST")!;
    expect(new URL(post.url).pathname).toBe("/api/platform/provider-applications/app-1/reject");
    expect(await post.json()).toEqual({ reason: "VAT ID invalid" });
  });
});
