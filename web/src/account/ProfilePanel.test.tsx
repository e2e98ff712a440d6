import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json } from "../test/harness";
import { ProfilePanel } from "./ProfilePanel";
import { me, noContent, pathOf, render, sent, signedIn } from "./testing";

const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe("profile", () => {
  it("shows the account and saves name and language with If-Match", async () => {
    const api = signedIn((r) =>
      pathOf(r) === "/api/me"
        ? r.method === "PATCH"
          ? json({ ...me, name: "Ada King", locale: "de" }, 200, { etag: '"v2"' })
          : json(me, 200, { etag: '"v1"' })
        : undefined,
    );
    render(api, <ProfilePanel />);
    expect(await screen.findByText("ada@example.com")).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveValue("Ada Lovelace");
    expect(screen.getByLabelText("Language")).toHaveValue("en");
    change("Name", "  Ada King ");
    change("Language", "de");
    fireEvent.click(screen.getByRole("button", { name: "Save profile" }));
    expect(await screen.findByText("Profile saved.")).toBeInTheDocument();
    const [patch] = sent(api, "PATCH", "/api/me");
    expect(patch!.headers.get("if-match")).toBe('"v1"');
    expect(await patch!.json()).toEqual({ name: "Ada King", locale: "de" });
    expect(screen.getByLabelText("Name")).toHaveValue("Ada King");

    // the next save sends the ETag of the answer
    fireEvent.click(screen.getByRole("button", { name: "Save profile" }));
    await waitFor(() => expect(sent(api, "PATCH", "/api/me")).toHaveLength(2));
    expect(sent(api, "PATCH", "/api/me")[1]!.headers.get("if-match")).toBe('"v2"');
  });

  it("refuses an empty name beside the field and sends nothing", async () => {
    const api = signedIn(() => undefined);
    render(api, <ProfilePanel />);
    await screen.findByLabelText("Name");
    change("Name", "   ");
    fireEvent.click(screen.getByRole("button", { name: "Save profile" }));
    const name = screen.getByLabelText("Name");
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription("Enter your name.");
    expect(name).toHaveFocus();
    expect(sent(api, "PATCH")).toHaveLength(0);
  });

  it("puts the API's field errors beside their fields, and explains a stale version", async () => {
    let answer = json(
      {
        status: 422,
        code: "validation_failed",
        detail: "The request query or body has 1 invalid field(s).",
        errors: [{ field: "name", message: "String should have at most 100 characters", type: "string_too_long" }],
      },
      422,
    );
    const api = signedIn((r) => (pathOf(r) === "/api/me" && r.method === "PATCH" ? answer : undefined));
    render(api, <ProfilePanel />);
    await screen.findByLabelText("Name");
    fireEvent.click(screen.getByRole("button", { name: "Save profile" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The request query or body has 1 invalid field(s).");
    expect(screen.getByLabelText("Name")).toHaveAccessibleDescription("String should have at most 100 characters");

    answer = json(
      { status: 412, code: "stale_version", detail: "The profile changed since you read it; reload." },
      412,
    );
    fireEvent.click(screen.getByRole("button", { name: "Save profile" }));
    await waitFor(() =>
      expect(screen.getByRole("alert")).toHaveTextContent("The profile changed since you read it; reload."),
    );
    expect(screen.getByRole("button", { name: "Reload profile" })).toBeInTheDocument();
  });

  it("shows why the profile cannot be loaded", async () => {
    const api = signedIn((r) =>
      pathOf(r) === "/api/me" && r.method === "GET"
        ? json({ status: 500, code: "internal_error", detail: "Something went wrong on our side." }, 500)
        : undefined,
    );
    render(api, <ProfilePanel />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Something went wrong on our side.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});

describe("change password", () => {
  it("checks the new password twice before sending anything", async () => {
    const api = signedIn(() => undefined);
    render(api, <ProfilePanel />);
    await screen.findByLabelText("Name");
    change("Current password", "old-secret");
    change("New password", "short");
    fireEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(screen.getByLabelText("New password")).toHaveAccessibleDescription(
      "At least 8 characters. A password has at least 8 characters.",
    );
    change("New password", "new-secret-1");
    change("Repeat the new password", "new-secret-2");
    fireEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(screen.getByLabelText("Repeat the new password")).toHaveAccessibleDescription(
      "The two new passwords differ.",
    );
    expect(screen.getByLabelText("Repeat the new password")).toHaveFocus();
    expect(sent(api, "POST")).toHaveLength(0);
  });

  it("sends current and new password with this device's refresh token, which stays: no sign-in again", async () => {
    const api = signedIn((r) => (pathOf(r) === "/api/me/password" ? noContent() : undefined));
    render(api, <ProfilePanel />);
    await screen.findByLabelText("Name");
    change("Current password", "old-secret");
    change("New password", "new-secret-1");
    change("Repeat the new password", "new-secret-1");
    fireEvent.click(screen.getByRole("button", { name: "Change password" }));
    expect(
      await screen.findByText("Password changed. Your other devices are signed out; this one stays signed in."),
    ).toBeInTheDocument();
    const [change_] = sent(api, "POST", "/api/me/password");
    expect(await change_!.json()).toEqual({
      currentPassword: "old-secret",
      newPassword: "new-secret-1",
      refreshToken: "r-1",
    });
    expect(sent(api, "POST", "/api/auth/login")).toHaveLength(0);
    expect(api.tokens.refreshToken).toBe("r-1");
    expect(api.tokens.signedIn).toBe(true);
    expect(screen.getByLabelText("Current password")).toHaveValue("");
  });

  it("shows a wrong current password beside that field", async () => {
    const api = signedIn((r) =>
      pathOf(r) === "/api/me/password"
        ? json({ status: 422, code: "wrong_password", detail: "The current password is wrong." }, 422)
        : undefined,
    );
    render(api, <ProfilePanel />);
    await screen.findByLabelText("Name");
    change("Current password", "nope-nope");
    change("New password", "new-secret-1");
    change("Repeat the new password", "new-secret-1");
    fireEvent.click(screen.getByRole("button", { name: "Change password" }));
    await waitFor(() =>
      expect(screen.getByLabelText("Current password")).toHaveAccessibleDescription("The current password is wrong."),
    );
    expect(screen.getByRole("alert")).toHaveTextContent("The current password is wrong.");
    expect(sent(api, "POST", "/api/auth/login")).toHaveLength(0);
  });
});
