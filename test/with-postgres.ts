/**
 * `tsx test/with-postgres.ts <command …>`: runs a command against a throw-away
 * PostgreSQL cluster (test/postgres-cluster.ts) — the e2e specs on PostgreSQL,
 * or anything else that needs a server. The command gets
 * HERALD_TEST_PG_ADMIN_URL (the cluster's admin URL) and E2E_DATABASE_URL (an
 * empty database `herald_e2e`). The cluster is stopped and removed at the end,
 * also when the command fails or this process is interrupted.
 */
import { spawn, spawnSync } from "node:child_process";
import { startPostgresCluster } from "./postgres-cluster";

const command = process.argv.slice(2);
if (!command.length) {
  console.error("usage: tsx test/with-postgres.ts <command …>");
  process.exit(2);
}
const cluster = startPostgresCluster();
const stop = () => cluster.stop();
process.on("exit", stop);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));
const created = spawnSync("psql", [cluster.url(), "-qc", "CREATE DATABASE herald_e2e"], { stdio: "inherit" });
if (created.status !== 0) process.exit(1);
console.log(`PostgreSQL ${cluster.url()} (throw-away cluster in ${cluster.dir})`);
const child = spawn(command[0], command.slice(1), {
  stdio: "inherit",
  env: { ...process.env, HERALD_TEST_PG_ADMIN_URL: cluster.url(), E2E_DATABASE_URL: cluster.url("herald_e2e") },
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
