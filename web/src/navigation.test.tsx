import { fireEvent, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { App, Header } from "./App";
import { fakeApi, json, renderRoute } from "./test/harness";

function renderSignedOut() {
  const api = fakeApi(() => json({}, 200));
  renderRoute(api, "/", "/", <Header />);
}

function renderAs(roles: string[], providerId: string | null) {
  const api = fakeApi((request) =>
    new URL(request.url).pathname === "/api/me"
      ? json({ id: "u-1", email: "a@b.example", name: "Ada", roles, providerId, locale: "en", createdAt: "2026-01-01T00:00:00Z" })
      : json({}, 200),
  );
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(api, "/", "/", <Header />);
}

describe("the menu button (phones)", () => {
  it("opens and closes the menu, and says so to screen readers", async () => {
    renderAs(["driver"], null);
    const toggle = screen.getByRole("button", { name: "Menu" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(toggle).toHaveAttribute("aria-controls", screen.getByRole("navigation", { name: "Main" }).id);
    fireEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(toggle.closest("header")).toHaveClass("open");
    fireEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(toggle.closest("header")).not.toHaveClass("open");
  });
});

describe("navigation by role", () => {
  it("shows the console to a provider's admin or staff, not the admin screens", async () => {
    renderAs(["driver", "provider_staff"], "p-1");
    expect(await screen.findByRole("link", { name: "Console" })).toHaveAttribute("href", "/console");
    expect(screen.queryByRole("link", { name: "Admin" })).not.toBeInTheDocument();
  });

  it("shows the admin screens to admins", async () => {
    renderAs(["admin"], null);
    expect(await screen.findByRole("link", { name: "Admin" })).toHaveAttribute("href", "/admin");
    expect(screen.queryByRole("link", { name: "Console" })).not.toBeInTheDocument();
  });

  it("shows neither to drivers", async () => {
    renderAs(["driver"], null);
    expect(await screen.findByText("Ada")).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Console" })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Admin" })).not.toBeInTheDocument();
  });

  it("shows every signed-in user their account", async () => {
    renderAs(["driver"], null);
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(await within(nav).findByRole("link", { name: "Account" })).toHaveAttribute("href", "/account");
  });

  it("shows no account link when signed out, but a sign-in link", () => {
    renderSignedOut();
    expect(screen.queryByRole("link", { name: "Account" })).not.toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Sign in" })).toHaveAttribute("href", "/signin");
  });

  it("routes /account/... and /sessions/:id/review to their screens, behind the sign-in", async () => {
    const api = fakeApi((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/me")
        return json({ id: "u-1", email: "a@b.example", name: "Ada", roles: ["driver"], providerId: null, locale: "en", createdAt: "2026-01-01T00:00:00Z" });
      if (path === "/api/me/rfid-tags") return json([]);
      return json({ status: 404, code: "not_found", detail: "No such thing." }, 404);
    });
    api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
    renderRoute(api, "/account/rfid-tags", "/*", <App />);
    expect(await screen.findByRole("heading", { level: 2, name: "RFID tags" })).toBeInTheDocument();
    expect(within(screen.getByRole("navigation", { name: "Main" })).getByRole("link", { name: "Account" })).toHaveAttribute(
      "aria-current",
      "page",
    );
  });

  it("routes the review form", async () => {
    const api = fakeApi(() => json({ status: 404, code: "session_not_found", detail: "No such charging session." }, 404));
    api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
    renderRoute(api, "/sessions/ses_a_b/review", "/*", <App />);
    expect(screen.getByRole("heading", { level: 1, name: "Review your charging session" })).toBeInTheDocument();
    expect(await screen.findByRole("alert")).toHaveTextContent("No such charging session.");
  });

  it("sends a signed-out visitor of /account to the sign-in", () => {
    renderSignedOutAt("/account/statistics");
    expect(screen.queryByRole("heading", { name: "Your account" })).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: /Sign in/i })).toBeInTheDocument();
  });
});

function renderSignedOutAt(path: string) {
  const api = fakeApi(() => json({}, 200));
  renderRoute(api, path, "/*", <App />);
}
