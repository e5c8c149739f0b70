import { defineConfig } from "vitest/config";
import os from "node:os";
import path from "node:path";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // server-only throws outside a React Server Component bundle.
      "server-only": path.resolve(import.meta.dirname, "test/empty-module.ts"),
    },
  },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "e2e/**", ".next/**"],
    environment: "node",
    // Tests never touch ./data; each test file opens its own database through test/db.ts.
    env: { HERALD_DATA_DIR: path.join(os.tmpdir(), "herald-vitest-data"), HERALD_LOG_LEVEL: "silent", NEXT_TELEMETRY_DISABLED: "1" },
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
