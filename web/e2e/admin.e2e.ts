// A platform admin approves a provider application; the applicant then finds the providers' console.
import { expect, test } from "@playwright/test";

import { ADMIN, APPLICANT, APPLICANT_DISPLAY_NAME, demoStation, offline, shot, signIn } from "./support";

test("an admin approves a provider application", async ({ page, request }, testInfo) => {
  await demoStation(request, "HAUPTSTADT-000-1"); // the demo data, with its pending application, is seeded
  await offline(page);
  await signIn(page, ADMIN, "/admin");
  await expect(page.getByRole("heading", { name: "Provider applications" })).toBeVisible();
  const item = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: APPLICANT_DISPLAY_NAME }) });
  await expect(item).toContainText("Kiezstrom eG");
  await shot(page, testInfo, "admin-01-applications");
  await item.getByRole("button", { name: `Approve ${APPLICANT_DISPLAY_NAME}` }).click();
  await expect(page.getByRole("status").filter({ hasText: `${APPLICANT_DISPLAY_NAME} approved` })).toBeVisible();
  await expect(page.getByRole("heading", { name: APPLICANT_DISPLAY_NAME })).toHaveCount(0); // no longer pending
  await page.getByLabel("Show").selectOption("approved");
  await expect(page.getByRole("heading", { name: APPLICANT_DISPLAY_NAME })).toBeVisible();
  await shot(page, testInfo, "admin-02-approved");

  // the applicant is now the new provider's admin: the console is theirs
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, APPLICANT, "/console");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Console" })).toBeVisible();
  await expect(page.getByText(/stations/i).first()).toBeVisible();
  await shot(page, testInfo, "admin-03-new-provider-console");
});
