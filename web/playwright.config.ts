// End-to-end tests of the built web app in Debian's headless Chromium (no browser download), against the
// local host serving the same FunctionApp with demo data and three simulated chargers (`make e2e`).
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { defineConfig } from "@playwright/test";

const web = dirname(fileURLToPath(import.meta.url));
const root = resolve(web, "..");
const port = Number(process.env.WATTSUP_E2E_PORT ?? 7391);
const BASE_URL = `http://127.0.0.1:${port}`;

// One fresh data folder per run (store, bus, payments, invoices, mail outbox), emptied when the run starts;
// the workers load this file again and inherit the variable, so only the first load empties it.
if (!process.env.WATTSUP_E2E_DATA) {
  process.env.WATTSUP_E2E_DATA = join(web, "e2e-results", "data");
  rmSync(process.env.WATTSUP_E2E_DATA, { recursive: true, force: true });
  mkdirSync(process.env.WATTSUP_E2E_DATA, { recursive: true });
}
const data = process.env.WATTSUP_E2E_DATA;
// the example settings only, whatever a developer's local.settings.json says
copyFileSync(join(root, "local.settings.example.json"), join(data, "local.settings.example.json"));

export default defineConfig({
  testDir: "e2e",
  testMatch: "*.e2e.ts",
  outputDir: "e2e-results/output", // traces and failure screenshots; the key screens: e2e-results/screens
  // the flows share one host and its demo data; they run one after another
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [["list"], ["html", { outputFolder: "e2e-results/report", open: "never" }]],
  use: {
    baseURL: BASE_URL,
    locale: "en-GB",
    timezoneId: "Europe/Berlin",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      // no calls home: this machine's network is closed, and a test should not depend on it anyway
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `"${process.env.WATTSUP_PYTHON ?? join(root, ".venv", "bin", "python")}" -m local_host --port ${port} --simulate 3 --meter-interval 2 --log-level ${process.env.WATTSUP_E2E_LOG ?? "WARNING"}`,
    cwd: root,
    url: `${BASE_URL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "ignore", // the accounts it prints are in e2e/support.ts; WATTSUP_E2E_LOG=INFO shows the host's log
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    env: {
      WATTSUP_SETTINGS_DIR: data,
      APP_ENV: "development",
      DEMO_DATA: "true",
      DEMO_STATIONS_PER_PROVIDER: "4",
      SQLITE_PATH: join(data, "wattsup.db"),
      LOCAL_BUS_PATH: join(data, "bus.db"),
      PAYMENT_SIMULATOR_PATH: join(data, "payments.db"),
      BLOB_ROOT: join(data, "blobs"),
      MAIL_OUTBOX_DIR: join(data, "outbox"),
      WEBPUBSUB_ENDPOINT: BASE_URL,
      APP_BASE_URL: BASE_URL,
    },
  },
});
