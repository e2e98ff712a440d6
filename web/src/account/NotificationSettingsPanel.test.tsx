import { fireEvent, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json } from "../test/harness";
import { NotificationSettingsPanel } from "./NotificationSettingsPanel";
import { pathOf, render, sent, signedIn } from "./testing";

const on = { email: true, inApp: true };
const stored = {
  categories: {
    charging: on,
    payments: { email: true, inApp: false },
    reservations: on,
    reviews: { email: false, inApp: true },
    provider_ops: on,
    security: on,
  },
};

function setup(put: (r: Request) => Response) {
  const api = signedIn((r) => {
    if (pathOf(r) !== "/api/me/notification-preferences") return undefined;
    return r.method === "PUT" ? put(r) : json(stored);
  });
  render(api, <NotificationSettingsPanel />, "/account/notifications");
  return api;
}

describe("notification settings", () => {
  it("shows a checkbox per category and channel, security locked on", async () => {
    setup(() => json(stored));
    expect(await screen.findByRole("checkbox", { name: "Payments by email" })).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "Payments in the app" })).not.toBeChecked();
    expect(screen.getByRole("checkbox", { name: "Reviews by email" })).not.toBeChecked();
    expect(screen.getAllByRole("checkbox")).toHaveLength(12);
    const security = screen.getByRole("checkbox", { name: "Security by email" });
    expect(security).toBeChecked();
    expect(security).toBeDisabled();
    expect(security).toHaveAccessibleDescription("Security messages are always sent, by email and in the app.");
    expect(screen.getByRole("table", { name: "Which messages you get, and where" })).toBeInTheDocument();
  });

  it("saves every category but security, as ticked", async () => {
    const api = setup(() =>
      json({ categories: { ...stored.categories, charging: { email: false, inApp: true }, reviews: on } }),
    );
    fireEvent.click(await screen.findByRole("checkbox", { name: "Charging by email" }));
    fireEvent.click(screen.getByRole("checkbox", { name: "Reviews by email" }));
    fireEvent.click(screen.getByRole("button", { name: "Save notification settings" }));
    expect(await screen.findByText("Notification settings saved.")).toBeInTheDocument();
    const [put] = sent(api, "PUT", "/api/me/notification-preferences");
    expect(await put!.json()).toEqual({
      categories: {
        charging: { email: false, inApp: true },
        payments: { email: true, inApp: false },
        reservations: on,
        reviews: on,
        provider_ops: on,
      },
    });
    expect(screen.getByRole("checkbox", { name: "Charging by email" })).not.toBeChecked();
  });

  it("shows the API's refusal in words", async () => {
    setup(() =>
      json({ status: 422, code: "security_always_on", detail: "Security messages are always sent." }, 422),
    );
    fireEvent.click(await screen.findByRole("button", { name: "Save notification settings" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Security messages are always sent.");
  });
});
