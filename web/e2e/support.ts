// What the end-to-end flows share: the demo accounts, signing in, the outside world kept out, screenshots.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";

// shared/services/demo.py and the example settings
export const ADMIN = { email: "admin@wattsup.dev", password: "change-me-admin-1" };
export const DRIVER = { email: "driver@wattsup.dev", password: "driver-password-1" };
export const PROVIDER_PASSWORD = "provider-password-1";
export const APPLICANT = { email: "applicant@wattsup.dev", password: "applicant-password-1" };
export const APPLICANT_DISPLAY_NAME = "Kiezstrom";

export const SCREENS = join(dirname(fileURLToPath(import.meta.url)), "..", "e2e-results", "screens");

// a plain light 256x256 PNG: the map's tiles, so the page asks nothing of openstreetmap.org
const TILE = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAQAAAAEACAIAAADTED8xAAACAElEQVR42u3TQQkAAAgEwesf059gCN9mcGASLGymC96KBBgADAAGAAOAAcAAYAAwABgADAAGAAOAAcAAYAAwABgADAAGAAOAAcAAYAAwABgADAAGAAOAAcAAYAAwABgADAAGAAOAAcAAYAAwABgADAAGAAOAAcAAYAAwABgADAAGwAAqYAAwABgADAAGAAOAAcAAYAAwABgADAAGAAOAAcAAYAAwABgADAAGAAOAAcAAYAAwABgADAAGAAOAAcAAYAAwABgADAAGAAOAAcAAYAAwABgADAAGAAOAAcAAYAAwABgAA4ABwABgADAAGAAMAAYAA4ABwABgADAAGAAMAAYAA4ABwABgADAAGAAMAAYAA4ABwABgADAAGAAMAAYAA4ABwABgADAAGAAMAAYAA4ABwABgADAAGAAMAAYAA4ABwAAYQAUMAAYAA4ABwABgADAAGAAMAAYAA4ABwABgADAAGAAMAAYAA4ABwABgADAAGAAMAAYAA4ABwABgADAAGAAMAAYAA4ABwABgADAAGAAMAAYAA4ABwABgADAAGAAMAAYAA2AAMAAYAAwABgADgAHAAGAAMAAYAAwABgADgAHAAGAAMAAYAAwABgADgAHAAGAAMAAYAAwABgADgAHAAGAAMAAYAAwABgADgAHAAGAAMAAYAAwABgADgAHAAHAtc+YouiY4kJYAAAAASUVORK5CYII=",
  "base64",
);

export interface Station {
  id: string;
  name: string;
  providerName?: string;
  location: { coordinates: [number, number] };
  connectors?: { chargerId: string; connectorId: number; status?: string | null }[];
  effectiveStatus?: Record<string, string>;
}

/**
 * Keep the outside world out: OpenStreetMap's tiles become a blank image, and the place search
 * (Nominatim) answers from `places`, as the real one would for those names.
 */
export async function offline(page: Page, places: Record<string, { name: string; lat: number; lon: number }> = {}) {
  await page.route("https://tile.openstreetmap.org/**", (route) =>
    route.fulfill({ status: 200, contentType: "image/png", body: TILE }),
  );
  await page.route("https://nominatim.openstreetmap.org/**", (route) => {
    const q = new URL(route.request().url()).searchParams.get("q") ?? "";
    const place = places[q];
    const hits = place ? [{ display_name: place.name, lat: String(place.lat), lon: String(place.lon) }] : [];
    return route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(hits) });
  });
}

export async function signIn(page: Page, who: { email: string; password: string }, next = "/") {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/signin/); // signed in, on the way to `next` (on a phone "Sign out" is in the menu)
}

/** A screenshot of a key screen: kept under e2e-results/screens/ and attached to the report. */
export async function shot(page: Page, testInfo: TestInfo, name: string) {
  mkdirSync(SCREENS, { recursive: true });
  const path = join(SCREENS, `${name}.png`);
  // the viewport, not the full page: after a full-page capture Chromium may scroll by the page's stale size at
  // the next focus change, so that a click's target moves between mousedown and mouseup
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** The demo network, once seeded: the station holding `chargerId`, once its `connectorId` is Available. */
export async function demoStation(request: APIRequestContext, chargerId: string, connectorId = 1): Promise<Station> {
  let found: Station | undefined;
  const key = `${chargerId}/${connectorId}`;
  await expect
    .poll(
      async () => {
        if (!found) {
          const answer = await request.get("/api/stations?lat=52.52&lon=13.405&radiusKm=50&limit=100");
          if (!answer.ok()) return `search answered ${answer.status()}`;
          for (const hit of ((await answer.json()) as { items: { id: string }[] }).items) {
            const station = (await (await request.get(`/api/stations/${hit.id}`)).json()) as Station;
            if (station.connectors?.some((c) => c.chargerId === chargerId)) found = station;
          }
          if (!found) return `no station with ${chargerId} yet`;
        }
        const now = (await (await request.get(`/api/stations/${found.id}`)).json()) as Station;
        return `${key}: ${now.effectiveStatus?.[key] ?? now.connectors?.find((c) => `${c.chargerId}/${c.connectorId}` === key)?.status}`;
      },
      { timeout: 120_000, intervals: [500, 1000, 2000], message: `the demo network with ${key} online` },
    )
    .toBe(`${key}: Available`);
  return found!;
}

/** A number shown in the page's locale (en-GB here): "1,234.5 kWh" -> 1234.5. */
export function figure(text: string | null): number {
  const match = (text ?? "").replace(/,/g, "").match(/-?\d+(\.\d+)?/);
  return match ? Number(match[0]) : Number.NaN;
}
