// Usable as people expect: no serious accessibility violations on the key screens (axe-core, WCAG 2.1 A and
// AA: labels, names, contrast, landmarks), the sign-in done by keyboard alone, and the screens fit a phone.
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

import { ADMIN, demoStation, DRIVER, offline, PROVIDER_PASSWORD, shot, signIn } from "./support";

async function accessible(page: Page, screen: string) {
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, `accessibility of ${screen}`).toEqual([]);
}

test("the key screens have no serious accessibility violations", async ({ page, request }) => {
  const station = await demoStation(request, "HAUPTSTADT-000-1");
  await offline(page);
  await page.goto("/");
  await expect(page.locator(".leaflet-marker-icon").first()).toBeVisible();
  await accessible(page, "the map");
  await page.goto(`/stations/${station.id}`);
  await expect(page.getByRole("heading", { level: 1, name: station.name })).toBeVisible();
  await accessible(page, "a station, signed out");

  await signIn(page, DRIVER);
  for (const [path, heading] of [
    [`/stations/${station.id}`, station.name],
    ["/sessions", "Charging history"],
    ["/invoices", "Invoices"],
    ["/payment-methods", "Payment methods"],
    ["/account", "Your account"],
    ["/account/notifications", "Your account"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    await page.waitForLoadState("networkidle");
    await accessible(page, path);
  }
  await page.getByRole("button", { name: "Sign out" }).click();

  await signIn(page, { email: "admin@hauptstadt.example.com", password: PROVIDER_PASSWORD }, "/console/tariffs");
  await expect(page.getByRole("heading", { name: "Tariffs" })).toBeVisible();
  await page.getByRole("button", { name: "New version of AC standard" }).click();
  await page.waitForLoadState("networkidle");
  await accessible(page, "the tariff editor");
  await page.getByRole("button", { name: "Sign out" }).click();

  await signIn(page, ADMIN, "/admin");
  await expect(page.getByRole("heading", { name: "Provider applications" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  await accessible(page, "the admin's applications");
  await page.getByRole("link", { name: "Platform analytics" }).click();
  await expect(page.getByRole("heading", { name: "Platform analytics" })).toBeVisible();
  await page.waitForLoadState("networkidle");
  await accessible(page, "the platform's analytics");
});

test("signing in works with the keyboard alone", async ({ page }) => {
  await offline(page);
  await page.goto("/signin");
  await page.keyboard.press("Tab"); // the skip link comes first
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.getByLabel("Email").focus();
  await page.keyboard.type(DRIVER.email);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type(DRIVER.password);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test("the map, a station and the account fit the screen", async ({ page, request }, testInfo) => {
    const station = await demoStation(request, "HAUPTSTADT-000-1");
    await offline(page);
    await signIn(page, DRIVER);
    const fits = async (what: string) =>
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
        `${what} scrolls sideways`,
      ).toBeLessThanOrEqual(0);
    await page.goto("/");
    await expect(page.locator(".leaflet-container")).toBeVisible();
    await fits("the map");
    await shot(page, testInfo, "phone-01-map");
    await page.goto(`/stations/${station.id}`);
    await expect(page.getByRole("heading", { level: 1, name: station.name })).toBeVisible();
    await fits("the station page");
    await shot(page, testInfo, "phone-02-station");
    // the header's links are behind the menu button; choosing one closes the menu again
    const menu = page.getByRole("button", { name: "Menu" });
    await expect(page.getByRole("link", { name: "Account" })).toBeHidden();
    await menu.click();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
    await shot(page, testInfo, "phone-03-menu");
    await page.getByRole("link", { name: "Account" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Your account" })).toBeVisible();
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await fits("the account");
  });
});
