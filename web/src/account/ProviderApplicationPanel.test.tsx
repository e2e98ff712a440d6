import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { json } from "../test/harness";
import { ProviderApplicationPanel } from "./ProviderApplicationPanel";
import { me, pathOf, render, sent, signedIn } from "./testing";

const application = {
  id: "pap_1",
  type: "providerApplication",
  applicantUserId: "u-1",
  legalName: "Volt Laden GmbH",
  displayName: "Volt",
  vatId: "DE123456789",
  country: "DE",
  currency: "EUR",
  supportEmail: "help@volt.example",
  supportPhone: null,
  billingAddress: null,
  status: "pending",
  decidedBy: null,
  decidedAt: null,
  reason: null,
  providerId: null,
  createdAt: "2026-11-25T10:00:00Z",
};

const MINE = "/api/me/provider-application";
const none = () =>
  json({ status: 404, code: "application_not_found", detail: "You have not applied to become a provider." }, 404);

const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

function setup(answer: (r: Request) => Response | undefined, who: Record<string, unknown> = me) {
  const api = signedIn(answer, who);
  render(api, <ProviderApplicationPanel />, "/account/provider");
  return api;
}

function fillRequired() {
  change("Legal name", " Volt Laden GmbH ");
  change("Display name", "Volt");
  change("VAT ID", "DE 123 456 789");
  change("Country", "de");
  change("Support email", "help@volt.example");
}

describe("become a provider", () => {
  it("sends every field of the application, then shows its status as GET /api/me/provider-application says", async () => {
    let applied = false;
    const api = setup((r) => {
      if (pathOf(r) === "/api/provider-applications" && r.method === "POST") {
        applied = true;
        return json(application, 201);
      }
      if (pathOf(r) === MINE) return applied ? json(application) : none();
      return undefined;
    });
    await screen.findByRole("heading", { name: "Application form" });
    fillRequired();
    change("Support phone (optional)", "+49 30 1234567");
    change("Street and number", "Hafenstraße 1");
    change("Postal code", "20457");
    change("City", "Hamburg");
    change("Address country", "de");
    expect(screen.getByLabelText("Currency")).toHaveValue("EUR");
    fireEvent.click(screen.getByRole("button", { name: "Send application" }));

    expect(await screen.findByText("Application sent. A platform admin will review it.")).toBeInTheDocument();
    const [post] = sent(api, "POST", "/api/provider-applications");
    expect(await post!.json()).toEqual({
      legalName: "Volt Laden GmbH",
      displayName: "Volt",
      vatId: "DE 123 456 789",
      country: "DE",
      currency: "EUR",
      supportEmail: "help@volt.example",
      supportPhone: "+49 30 1234567",
      billingAddress: { lines: ["Hafenstraße 1"], postalCode: "20457", city: "Hamburg", country: "DE" },
    });
    expect(await screen.findByText("Waiting for a decision")).toBeInTheDocument();
    expect(sent(api, "GET", MINE)).toHaveLength(2); // before, and after sending
    expect(sent(api, "GET").filter((r) => pathOf(r).startsWith("/api/provider-applications"))).toHaveLength(0);
    expect(Object.keys(localStorage).filter((k) => k.includes("providerApplication"))).toEqual([]);
  });

  it("shows the account's application wherever it is signed in, and checks its status again on request", async () => {
    const api = setup((r) => (pathOf(r) === MINE ? json(application) : undefined));
    expect(await screen.findByText("Waiting for a decision")).toBeInTheDocument();
    expect(screen.getByText("Volt Laden GmbH")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Send application" })).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Check the status again" }));
    await waitFor(() => expect(sent(api, "GET", MINE)).toHaveLength(2));
    expect(await screen.findByText("Waiting for a decision")).toBeInTheDocument();
  });

  it("offers the form when the account never applied", async () => {
    const api = setup((r) => (pathOf(r) === MINE ? none() : undefined));
    expect(await screen.findByRole("heading", { name: "Application form" })).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(sent(api, "GET", MINE)).toHaveLength(1);
  });

  it("sends no billing address when none is given", async () => {
    const api = setup((r) =>
      pathOf(r).startsWith("/api/provider-applications") ? json(application, r.method === "POST" ? 201 : 200) : undefined,
    );
    await screen.findByLabelText("Legal name");
    fillRequired();
    fireEvent.click(screen.getByRole("button", { name: "Send application" }));
    await waitFor(() => expect(sent(api, "POST")).toHaveLength(1));
    const body = (await sent(api, "POST")[0]!.json()) as Record<string, unknown>;
    expect(body.billingAddress).toBeNull();
    expect(body.supportPhone).toBeNull();
  });

  it("checks the fields before sending anything", async () => {
    const api = setup(() => undefined);
    await screen.findByLabelText("Legal name");
    change("VAT ID", "12");
    change("Currency", "EURO");
    change("City", "Hamburg");
    fireEvent.click(screen.getByRole("button", { name: "Send application" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Some fields need your attention.");
    expect(screen.getByLabelText("Legal name")).toHaveAccessibleDescription(
      "Enter the company's legal name (at least 2 characters).",
    );
    expect(screen.getByLabelText("Legal name")).toHaveFocus();
    expect(screen.getByLabelText("VAT ID")).toHaveAccessibleDescription(
      "For example DE123456789. A VAT ID is 4 to 16 letters and digits, e.g. DE123456789.",
    );
    expect(screen.getByLabelText("Currency")).toHaveAccessibleDescription(
      "Three letters, e.g. EUR. Three letters (ISO 4217), e.g. EUR.",
    );
    // an address begun must be whole
    expect(screen.getByLabelText("Street and number")).toHaveAccessibleDescription("Enter the street and number.");
    expect(screen.getByLabelText("Support phone (optional)")).not.toHaveAttribute("aria-invalid");
    expect(sent(api, "POST")).toHaveLength(0);
  });

  it("puts the API's field errors beside their fields", async () => {
    setup((r) =>
      r.method === "POST"
        ? json(
            {
              status: 422,
              code: "validation_failed",
              detail: "The request query or body has 2 invalid field(s).",
              errors: [
                { field: "country", message: "Value error, not an ISO 3166-1 country code: XX" },
                { field: "billingAddress.city", message: "String should have at least 1 character" },
              ],
            },
            422,
          )
        : undefined,
    );
    await screen.findByLabelText("Legal name");
    fillRequired();
    change("Country", "XX");
    fireEvent.click(screen.getByRole("button", { name: "Send application" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The request query or body has 2 invalid field(s).");
    expect(screen.getByLabelText("Country")).toHaveAccessibleDescription(
      "Two letters, e.g. DE. Value error, not an ISO 3166-1 country code: XX",
    );
    expect(screen.getByLabelText("City")).toHaveAccessibleDescription("String should have at least 1 character");
  });

  it("shows the pending application after a 409 application_pending", async () => {
    let refused = false;
    setup((r) => {
      if (r.method === "POST") {
        refused = true;
        return json(
          { status: 409, code: "application_pending", detail: "You already have a pending application.", applicationId: "pap_1" },
          409,
        );
      }
      if (pathOf(r) === MINE) return refused ? json(application) : none(); // e.g. sent from another browser meanwhile
      return undefined;
    });
    await screen.findByLabelText("Legal name");
    fillRequired();
    fireEvent.click(screen.getByRole("button", { name: "Send application" }));
    expect(await screen.findByText("You already have a pending application: here it is.")).toBeInTheDocument();
    expect(await screen.findByText("Waiting for a decision")).toBeInTheDocument();
  });

  it("shows a rejection with its reason, and lets the driver apply again", async () => {
    setup((r) =>
      pathOf(r) === MINE
        ? json({ ...application, status: "rejected", reason: "The VAT ID does not match the company.", decidedAt: "2026-11-26T09:00:00Z" })
        : undefined,
    );
    expect(await screen.findByText("Rejected")).toBeInTheDocument();
    expect(screen.getByText("The VAT ID does not match the company.")).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Apply again" }));
    expect(screen.getByLabelText("Legal name")).toHaveValue("Volt Laden GmbH"); // filled from the last one
  });

  it("shows the API's problem when the status cannot be read", async () => {
    setup((r) =>
      pathOf(r) === MINE
        ? json({ status: 503, code: "dependency_failed", detail: "The database is not reachable." }, 503)
        : undefined,
    );
    expect(await screen.findByRole("alert")).toHaveTextContent("The database is not reachable.");
  });

  it("tells a provider's member they are one already", async () => {
    setup(() => undefined, { ...me, roles: ["driver", "provider_admin"], providerId: "prv_1" });
    expect(await screen.findByRole("link", { name: "Open the provider console" })).toHaveAttribute("href", "/console");
    expect(screen.queryByRole("button", { name: "Send application" })).not.toBeInTheDocument();
  });
});
