import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { startPostgresCluster, type PostgresCluster } from "@/test/postgres-cluster";
import { onCleanup } from "./processes";

/**
 * `npm run bench -- --db postgres`: a throw-away PostgreSQL cluster
 * (test/postgres-cluster.ts) for the whole run, one fresh database per
 * sandbox. The cluster is stopped and its directory removed when the run
 * ends — normally, on an error, or on Ctrl-C (the cleanup handlers of
 * bench/lib/processes.ts) — or, with --keep, stopped and its directory kept.
 */

export type BenchPostgres = {
  /** The throw-away cluster, when this run started one. */
  cluster?: PostgresCluster;
  /** The server's version, e.g. "15.10". */
  version: string;
  /** The settings the throw-away cluster runs with that bear on speed (shown with the figures). */
  settings: Record<string, string>;
  url(database: string): string;
  /** An empty database (the seeder migrates it), or a copy of `template` (no session may be connected to it). */
  createDatabase(name: string, template?: string): Promise<void>;
  /** Runs one statement on a database (a short-lived connection). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(database: string, text: string, values?: unknown[]): Promise<T[]>;
  /** The postmaster's pid: its process tree is every PostgreSQL process (for CPU time). */
  postmasterPid(): number;
  /** Closes the admin connection and stops the run's cluster; removes its directory unless `keep`. */
  stop(options?: { keep?: boolean }): Promise<void>;
};

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const cluster = startPostgresCluster();
  // Whatever happens to the runner from here on, the server goes with it (unless stop() settled it: --keep).
  let settled = false;
  onCleanup(() => settled || cluster.stop());
  const handle = await benchPostgres(cluster.url(), cluster);
  return {
    ...handle,
    async stop(options) {
      settled = true;
      await handle.stop(options);
    },
  };
}

/**
 * The benchmark's handle on a PostgreSQL server through its admin URL: the
 * run's own cluster, or (the harness's tests) one the test suite started.
 */
export async function benchPostgres(adminUrl: string, cluster?: PostgresCluster): Promise<BenchPostgres> {
  let stopped = false;
  const admin = new pg.Client({ connectionString: adminUrl });
  // A server that goes away under an idle client must not crash the runner.
  admin.on("error", () => {});
  await admin.connect();
  const { rows } = await admin.query<{ name: string; setting: string }>(
    "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections') ORDER BY name",
  );
  const settings = Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  const { server_version: version = "?", ...rest } = settings;
  // shared_buffers is in 8 kB pages.
  if (rest.shared_buffers) rest.shared_buffers = `${(Number(rest.shared_buffers) * 8) / 1024} MB`;
  return {
    cluster,
    version,
    settings: rest,
    url: (database) => {
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      return url.toString();
    },
    async createDatabase(name, template) {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : ""}`);
    },
    async query(database, text, values) {
      const url = new URL(adminUrl);
      url.pathname = `/${database}`;
      const client = new pg.Client({ connectionString: url.toString() });
      client.on("error", () => {});
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    postmasterPid() {
      if (!cluster) throw new Error("not the run's own cluster: its processes are not ours to measure");
      return Number(fs.readFileSync(path.join(cluster.dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    },
    async stop(options = {}) {
      await admin.end().catch(() => {});
      if (stopped || !cluster) return;
      stopped = true;
      if (options.keep) cluster.stopServer();
      else cluster.stop();
    },
  };
}

/** Sessions of `database` that LISTEN for the dispatcher's wakes (db/wake.ts): one per running dispatcher. */
export async function listeningDispatchers(client: pg.Client, database: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN herald_wake%'",
    [database],
  );
  return rows[0].n;
}
