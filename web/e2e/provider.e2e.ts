// A provider admin changes a tariff in the console and sees the new price on the station's public page.
import { expect, test } from "@playwright/test";

import { demoStation, offline, PROVIDER_PASSWORD, shot, signIn } from "./support";

// VoltWerk's first demo station (charger VOLTWERK-000-1) is on its "AC standard" tariff: 0.33 EUR/kWh excl. VAT
const PROVIDER = { email: "admin@voltwerk.example.com", password: PROVIDER_PASSWORD };

test("a provider changes a tariff and sees the new price on the station page", async ({ page, request }, testInfo) => {
  const station = await demoStation(request, "VOLTWERK-000-1");
  await offline(page);
  await page.goto(`/stations/${station.id}`);
  await expect(page.getByRole("heading", { level: 1, name: station.name })).toBeVisible();
  await expect(page.getByText("0.3927 EUR/kWh", { exact: true })).toBeVisible(); // 0.33 + 19 % VAT

  await signIn(page, PROVIDER, "/console/tariffs");
  await expect(page.getByRole("heading", { name: "Tariffs" })).toBeVisible();
  await page.getByRole("button", { name: "New version of AC standard" }).click();
  const price = page.getByLabel("Element 1 component 1 price excl. VAT");
  await expect(price).toHaveValue("0.33"); // the latest version, loaded into the form
  await price.fill("0.42");
  // the API prices the unsaved draft: 20 kWh (the 22 kW connector delivers them within the hour)
  // x 0.42 EUR x 1.19 = 9.996 EUR
  await page.getByLabel("Preview energy (kWh)").fill("20");
  await page.getByLabel("Preview time (minutes)").fill("60");
  const draft = page.getByTestId("draft-preview");
  await expect(draft).toContainText("priced by the API");
  await expect(draft.getByTestId("draft-price")).toHaveText("€10.00");
  await expect(draft).toContainText("0.4998 EUR/kWh");
  await shot(page, testInfo, "provider-01-tariff-editor");
  await page.getByRole("button", { name: "Save as new version" }).click();
  await expect(page.getByRole("status").filter({ hasText: /version 2/i }).first()).toBeVisible();
  await expect(page.getByRole("row", { name: /AC standard/ })).toContainText("0.4998 EUR/kWh");
  await shot(page, testInfo, "provider-02-tariffs");

  // the station's public page shows the new price, and its estimate uses it
  await page.goto(`/stations/${station.id}`);
  await expect(page.getByRole("heading", { level: 1, name: station.name })).toBeVisible();
  await expect(page.getByText("0.4998 EUR/kWh", { exact: true })).toBeVisible();
  await expect(page.getByText("0.3927 EUR/kWh")).toHaveCount(0);
  await shot(page, testInfo, "provider-03-station-new-price");
});
