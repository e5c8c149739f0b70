import { defineConfig } from "@playwright/test";
import { E2E } from "./e2e/env";

/**
 * End-to-end tests against a production build (`npm run build` first) on a
 * throw-away data dir, in Debian's Chromium (no browser download works here).
 * Specs share one server, so they run in order: `foundation` performs the
 * first-run setup that every other project relies on.
 */
export default defineConfig({
  testDir: "e2e",
  outputDir: E2E.resultsDir,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"]],
  globalSetup: "./e2e/global-setup.ts",
  use: {
    baseURL: E2E.baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  projects: [
    { name: "foundation", testMatch: /foundation\.spec\.ts/ },
    { name: "features", testIgnore: [/foundation\.spec\.ts/, /api-examples\.spec\.ts/], dependencies: ["foundation"] },
    // Last: the documented examples replace the org's rules.
    { name: "examples", testMatch: /api-examples\.spec\.ts/, dependencies: ["features"] },
  ],
  webServer: {
    // What `npm start` runs: the build (`npm run test:e2e` follows `npm run build`).
    // A fresh data dir — and, on PostgreSQL (E2E_DATABASE_URL), a fresh database.
    command: `rm -rf ${E2E.dataDir} && ${process.env.E2E_DATABASE_URL ? `psql "${process.env.HERALD_TEST_PG_ADMIN_URL}" -qc "DROP DATABASE IF EXISTS herald_e2e" -c "CREATE DATABASE herald_e2e" && ` : ""}npm start`,
    url: `${E2E.baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    env: E2E.serverEnv,
  },
});
