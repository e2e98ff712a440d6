import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json } from "../test/harness";
import { RfidTagsPanel } from "./RfidTagsPanel";
import { noContent, pathOf, render, sent, signedIn } from "./testing";

const blue = {
  idTag: "04A1B2C3",
  label: "Blue card",
  status: "Accepted",
  expiresAt: null,
  createdAt: "2026-03-01T10:00:00Z",
};
const spare = { idTag: "SPARE7", label: "", status: "Blocked", expiresAt: "2027-01-31T22:59:59Z", createdAt: "2026-04-01T10:00:00Z" };

const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

function setup(answer: (r: Request) => Response | undefined = () => undefined, tags: unknown[] = [blue, spare]) {
  const api = signedIn((r) => {
    const answered = answer(r);
    if (answered) return answered;
    if (pathOf(r) === "/api/me/rfid-tags" && r.method === "GET") return json(tags);
    return undefined;
  });
  render(api, <RfidTagsPanel />, "/account/rfid-tags");
  return api;
}

describe("RFID tags", () => {
  it("lists the tags with label, status and expiry", async () => {
    setup();
    const first = (await screen.findByRole("heading", { name: /Blue card/ })).closest("li")!;
    expect(within(first).getByText("Active")).toBeInTheDocument();
    const second = screen.getByRole("heading", { name: /Unnamed tag/ }).closest("li")!;
    expect(within(second).getByText("SPARE7")).toBeInTheDocument();
    expect(within(second).getByText("Blocked")).toBeInTheDocument();
    expect(within(second).getByText(/expires/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Block Blue card (04A1B2C3)" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Unblock SPARE7" })).toBeInTheDocument();
  });

  it("says so when there are none", async () => {
    setup(undefined, []);
    expect(await screen.findByText("No RFID tags yet. Add one below.")).toBeInTheDocument();
  });

  it("adds a tag with its label and no expiry", async () => {
    const api = setup((r) =>
      pathOf(r) === "/api/me/rfid-tags" && r.method === "POST"
        ? json({ ...blue, idTag: "0DEADBEEF", label: "Company car" }, 201)
        : undefined,
    );
    await screen.findByRole("heading", { name: /Blue card/ });
    change("Tag ID", " 0deadbeef ");
    change("Label (optional)", "Company car");
    fireEvent.click(screen.getByRole("button", { name: "Add tag" }));
    expect(await screen.findByText("Tag 0DEADBEEF added.")).toBeInTheDocument();
    const [post] = sent(api, "POST", "/api/me/rfid-tags");
    expect(await post!.json()).toEqual({ idTag: "0deadbeef", label: "Company car", expiresAt: null });
    await waitFor(() => expect(sent(api, "GET", "/api/me/rfid-tags")).toHaveLength(2)); // the list reloads
    expect(screen.getByLabelText("Tag ID")).toHaveValue("");
  });

  it("refuses a tag id with spaces beside the field and sends nothing", async () => {
    const api = setup();
    await screen.findByRole("heading", { name: /Blue card/ });
    change("Tag ID", "AB CD");
    fireEvent.click(screen.getByRole("button", { name: "Add tag" }));
    const field = screen.getByLabelText("Tag ID");
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(field).toHaveAccessibleDescription(
      "Up to 20 characters, no spaces. A tag id is 1 to 20 letters, digits or symbols, without spaces.",
    );
    expect(field).toHaveFocus();
    expect(sent(api, "POST")).toHaveLength(0);
  });

  it("shows a tag taken by someone else beside the tag id", async () => {
    setup((r) =>
      pathOf(r) === "/api/me/rfid-tags" && r.method === "POST"
        ? json({ status: 409, code: "rfid_tag_taken", detail: "This RFID tag is already registered." }, 409)
        : undefined,
    );
    await screen.findByRole("heading", { name: /Blue card/ });
    change("Tag ID", "04A1B2C3");
    fireEvent.click(screen.getByRole("button", { name: "Add tag" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This RFID tag is already registered.");
    expect(screen.getByLabelText("Tag ID")).toHaveAccessibleDescription(
      "Up to 20 characters, no spaces. This RFID tag is already registered.",
    );
  });

  it("renames, blocks, unblocks and removes through the tag's own address", async () => {
    const api = setup((r) => {
      if (!pathOf(r).startsWith("/api/me/rfid-tags/")) return undefined;
      return r.method === "DELETE" ? noContent() : json(blue);
    });
    fireEvent.click(await screen.findByRole("button", { name: "Rename Blue card (04A1B2C3)" }));
    change("New label for 04A1B2C3", "Red card");
    fireEvent.click(screen.getByRole("button", { name: "Save label" }));
    expect(await screen.findByText("Tag 04A1B2C3 renamed.")).toBeInTheDocument();

    fireEvent.click(await screen.findByRole("button", { name: "Block Blue card (04A1B2C3)" }));
    expect(await screen.findByText("Tag 04A1B2C3 blocked.")).toBeInTheDocument();
    fireEvent.click(await screen.findByRole("button", { name: "Unblock SPARE7" }));
    expect(await screen.findByText("Tag SPARE7 unblocked.")).toBeInTheDocument();

    fireEvent.click(await screen.findByRole("button", { name: "Remove SPARE7" }));
    expect(sent(api, "DELETE")).toHaveLength(0); // asks first
    fireEvent.click(screen.getByRole("button", { name: "Yes, remove" }));
    expect(await screen.findByText("Tag SPARE7 removed.")).toBeInTheDocument();

    const patches = sent(api, "PATCH");
    expect(patches.map(pathOf)).toEqual([
      "/api/me/rfid-tags/04A1B2C3",
      "/api/me/rfid-tags/04A1B2C3",
      "/api/me/rfid-tags/SPARE7",
    ]);
    expect(await Promise.all(patches.map((p) => p.json()))).toEqual([
      { label: "Red card", status: null },
      { label: null, status: "Blocked" },
      { label: null, status: "Accepted" },
    ]);
    expect(sent(api, "DELETE").map(pathOf)).toEqual(["/api/me/rfid-tags/SPARE7"]);
  });

  it("shows the API's problem when an action fails", async () => {
    setup((r) =>
      r.method === "PATCH"
        ? json({ status: 404, code: "rfid_tag_not_found", detail: "You have no such RFID tag." }, 404)
        : undefined,
    );
    fireEvent.click(await screen.findByRole("button", { name: "Block Blue card (04A1B2C3)" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("You have no such RFID tag.");
  });
});
