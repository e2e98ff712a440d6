// A driver finds a station on the map, reserves a connector, starts charging, watches energy and cost rise,
// stops, and downloads the invoice: the demo network, a simulated charger, the payment simulator.
import { readFileSync } from "node:fs";

import { expect, test } from "@playwright/test";

import { demoStation, DRIVER, figure, offline, shot, signIn } from "./support";

// SPREE-000-1 is a simulated DC charger (150 kW CCS and 50 kW CHAdeMO); connector 2 answers remote starts
const CHARGER = "SPREE-000-1";
const CONNECTOR = 2;

test("a driver finds a station, reserves, charges, stops and downloads the invoice", async ({ page, request }, testInfo) => {
  const station = await demoStation(request, CHARGER, CONNECTOR);
  const [lon, lat] = station.location.coordinates;
  await offline(page, { Zehlendorf: { name: "Zehlendorf, Steglitz-Zehlendorf, Berlin", lat, lon: lon + 0.002 } });
  await signIn(page, DRIVER);

  // the map: go to a place, narrow by name, open the station's marker
  await page.getByLabel("Place or address").fill("Zehlendorf");
  await page.getByRole("button", { name: "Go", exact: true }).click();
  await expect(page.getByText("Showing Zehlendorf, Steglitz-Zehlendorf, Berlin.")).toBeVisible();
  await page.getByLabel("Name, street or city").fill(station.name);
  await expect(page.getByText("1 station here")).toBeVisible(); // the search has settled: the markers stay
  const marker = page.locator(`.leaflet-marker-icon[title^="${station.name}:"]`);
  await expect(marker).toBeVisible();
  await expect(marker).toHaveClass(/pin-available/); // a free connector: green
  await shot(page, testInfo, "driver-01-map");
  // the marker's popup (a search still settling may redraw the markers and close it: click again then)
  const details = page.getByRole("link", { name: "Details and charging" });
  await expect(async () => {
    await marker.click();
    await expect(details).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  await details.click();
  await expect(page.getByRole("heading", { level: 1, name: station.name })).toBeVisible();

  // reserve the connector, then start charging there (only the holder may)
  await page.getByRole("radio", { name: new RegExp(`\\(${CHARGER} #${CONNECTOR}\\)`) }).check();
  await page.getByRole("button", { name: "Reserve", exact: true }).click();
  await expect(page.getByText("Reserved for you from")).toBeVisible();
  await shot(page, testInfo, "driver-02-station-reserved");
  await page.getByRole("button", { name: "Start charging" }).click();

  // the live session: charging, energy and cost rising by themselves
  await expect(page).toHaveURL(/\/sessions\/[^/]+$/);
  const status = page.locator(".session-status");
  await expect(status).toHaveText("Charging", { timeout: 60_000 });
  const energy = page.getByTestId("energy");
  const cost = page.getByTestId("cost");
  await expect.poll(async () => figure(await energy.textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
  const first = { energy: figure(await energy.textContent()), cost: figure(await cost.textContent()) };
  await expect.poll(async () => figure(await energy.textContent()), { timeout: 30_000 }).toBeGreaterThan(first.energy);
  await expect.poll(async () => figure(await cost.textContent()), { timeout: 30_000 }).toBeGreaterThan(
    Number.isNaN(first.cost) ? 0 : first.cost,
  );
  await shot(page, testInfo, "driver-03-live-session");
  // enough energy to be billed (BILLING_MIN_ENERGY_WH, 200 Wh by default), then stop from the app
  await expect.poll(async () => figure(await energy.textContent()), { timeout: 90_000 }).toBeGreaterThan(0.25);
  await page.getByRole("button", { name: "Stop charging" }).click();
  await expect(status).toHaveText("Stopped", { timeout: 60_000 });
  const charged = figure(await cost.textContent());
  expect(charged).toBeGreaterThan(0);
  await shot(page, testInfo, "driver-04-stopped");

  // the invoice, once billing has captured the payment: its total is what the session cost
  await page.getByRole("link", { name: "Invoices" }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Invoices" })).toBeVisible();
  const downloadButton = page.getByRole("button", { name: /^Download .* as PDF$/ }).first();
  await expect
    .poll(
      async () => {
        if (await downloadButton.isVisible()) return true;
        await page.reload();
        await expect(page.getByRole("heading", { level: 1, name: "Invoices" })).toBeVisible();
        return downloadButton.isVisible();
      },
      { timeout: 60_000, intervals: [1000, 2000] },
    )
    .toBe(true);
  const row = page.getByRole("row").filter({ has: downloadButton });
  expect(figure(await row.getByRole("cell").nth(2).textContent())).toBeCloseTo(charged, 2);
  await shot(page, testInfo, "driver-05-invoices");
  const [download] = await Promise.all([page.waitForEvent("download"), downloadButton.click()]);
  const path = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(path);
  expect(download.suggestedFilename()).toMatch(/\.pdf$/);
  expect(readFileSync(path).subarray(0, 5).toString("latin1")).toBe("%PDF-");
});
