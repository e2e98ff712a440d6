import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { fakeApi, json, renderRoute } from "../test/harness";
import { AccountScreen } from "./AccountScreen";
import { pathOf, signedIn } from "./testing";

function open(path: string) {
  const api = signedIn((r) => (pathOf(r) === "/api/me/rfid-tags" ? json([]) : undefined));
  renderRoute(api, path, "/account/*", <AccountScreen />);
  return api;
}

describe("account", () => {
  it("has a sub-navigation to every part, the current one marked", async () => {
    open("/account");
    const nav = screen.getByRole("navigation", { name: "Account" });
    const links = within(nav).getAllByRole("link");
    expect(links.map((a) => [a.textContent, a.getAttribute("href")])).toEqual([
      ["Profile", "/account"],
      ["RFID tags", "/account/rfid-tags"],
      ["Notification settings", "/account/notifications"],
      ["Statistics", "/account/statistics"],
      ["Reservations", "/account/reservations"],
      ["Become a provider", "/account/provider"],
    ]);
    expect(within(nav).getByRole("link", { name: "Profile" })).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("heading", { level: 1, name: "Your account" })).toBeInTheDocument();
    expect(await screen.findByRole("heading", { level: 2, name: "Profile" })).toBeInTheDocument();
  });

  it("shows the part its address names", async () => {
    open("/account/rfid-tags");
    expect(screen.getByRole("heading", { level: 2, name: "RFID tags" })).toBeInTheDocument();
    expect(within(screen.getByRole("navigation", { name: "Account" })).getByRole("link", { name: "RFID tags" })).toHaveAttribute(
      "aria-current",
      "page",
    );
    expect(screen.queryByRole("heading", { name: "Profile" })).not.toBeInTheDocument();
    expect(await screen.findByText("No RFID tags yet. Add one below.")).toBeInTheDocument();
  });

  it("says when a part does not exist", () => {
    const api = fakeApi(() => json({}));
    renderRoute(api, "/account/nothing", "/account/*", <AccountScreen />);
    expect(screen.getByText("This page does not exist.")).toBeInTheDocument();
  });
});
