import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { Header } from "./App";
import { fakeApi, json, renderRoute } from "./test/harness";

function renderAs(roles: string[], providerId: string | null) {
  const api = fakeApi((request) =>
    new URL(request.url).pathname === "/api/me"
      ? json({ id: "u-1", email: "a@b.example", name: "Ada", roles, providerId, locale: "en", createdAt: "2026-01-01T00:00:00Z" })
      : json({}, 200),
  );
  api.tokens.save({ accessToken: "a-1", refreshToken: "r-1" });
  renderRoute(api, "/", "/", <Header />);
}

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
});
