import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.mts";

/**
 * The same suite on PostgreSQL: a throw-away cluster for the run
 * (test/vitest-postgres-setup.ts), a fresh database per test from a migrated template.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      globalSetup: ["./test/vitest-postgres-setup.ts"],
    },
  }),
);
