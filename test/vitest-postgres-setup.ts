import { execFileSync } from "node:child_process";
import { startPostgresCluster } from "./postgres-cluster";

/**
 * vitest globalSetup for the PostgreSQL run of the suite: starts a throw-away
 * cluster (or uses HERALD_TEST_PG_ADMIN_URL when given), migrates a template
 * database once, and hands its address to every test file through the
 * environment (test/db.ts copies the template per test). Stops the cluster at the end.
 */
export default function setup() {
  const given = process.env.HERALD_TEST_PG_ADMIN_URL;
  const cluster = given ? undefined : startPostgresCluster();
  const admin = given ?? cluster!.url();
  const template = new URL(admin);
  template.pathname = "/herald_template";
  try {
    // Migrated by Herald's own migrator, in a child process (this one has no path aliases).
    execFileSync("psql", [admin, "-qc", "DROP DATABASE IF EXISTS herald_template", "-c", "CREATE DATABASE herald_template"], { stdio: "pipe" });
    execFileSync("npx", ["tsx", "bin/herald.ts", "migrate"], {
      env: { ...process.env, DATABASE_URL: template.toString(), HERALD_LOG_LEVEL: "warn" },
      stdio: "inherit",
    });
  } catch (e) {
    cluster?.stop();
    throw e;
  }
  process.env.HERALD_TEST_PG_ADMIN_URL = admin;
  process.env.DATABASE_URL = template.toString();
  return () => cluster?.stop();
}
