import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { forkTs, nextMessage, repoRoot, stopChild } from "./processes";
import type { BenchPostgres } from "./postgres";
import type { SeedJob, SeedResult } from "../seed";

/** The benchmark runs Herald as users do: the CLI and server that `npm run build` bundled into dist/. */
export function builtCliMissing(): string | null {
  return fs.existsSync(path.join(repoRoot, "dist", "herald.mjs")) ? null : "no build of the server (dist/herald.mjs); run `npm run build` first";
}

// One key for the whole run, so a seeded database can be copied into another sandbox and still open.
const RUN_ENCRYPTION_KEY = crypto.randomBytes(32).toString("base64");
const RUN_AUTH_SECRET = crypto.randomBytes(32).toString("base64url");

export type Sandbox = ReturnType<typeof heraldSandbox>;

let databases = 0;

/**
 * A throw-away data dir and the environment every Herald child of one
 * scenario shares. With `postgres` (`--db postgres`), the sandbox's database
 * is a PostgreSQL database of its own on the run's cluster (created when it
 * is seeded or copied into), and DATABASE_URL names it; the data dir still
 * holds the SQLite file it is seeded from, and the logs.
 */
export function heraldSandbox(label: string, postgres?: BenchPostgres) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `herald-bench-${label}-`));
  const databaseName = postgres ? `bench_${++databases}_${label.replace(/[^a-z0-9]+/gi, "_").toLowerCase()}` : undefined;
  const database = postgres && databaseName ? { postgres, name: databaseName, url: postgres.url(databaseName) } : undefined;
  const env: Record<string, string> = {
    HERALD_DATA_DIR: dataDir,
    DATABASE_URL: database?.url ?? "",
    HERALD_ENCRYPTION_KEY: RUN_ENCRYPTION_KEY,
    AUTH_SECRET: RUN_AUTH_SECRET,
    HERALD_ALLOW_PRIVATE_TARGETS: "1",
    // A failed first attempt is rescheduled an hour out, so a run measures first attempts only.
    HERALD_RETRY_SCHEDULE: "3600",
    HERALD_LOG_LEVEL: process.env.HERALD_LOG_LEVEL ?? "info",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  return {
    label,
    dataDir,
    env,
    /** The SQLite file: the sandbox's database, or (on PostgreSQL) the one it was seeded from. */
    databasePath: path.join(dataDir, "herald.db"),
    /** On PostgreSQL: the sandbox's database. */
    postgres: database,
    remove: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}

/**
 * Copies a seeded sandbox's database into another sandbox: the SQLite file
 * (after the seeder checkpointed it), or on PostgreSQL a new database made
 * from the seeded one as its template (a copy of its files; nobody may be
 * connected to it meanwhile, so copy before draining it).
 */
export async function copyDatabase(from: Sandbox, to: Sandbox) {
  if (from.postgres && to.postgres) await to.postgres.postgres.createDatabase(to.postgres.name, from.postgres.name);
  else fs.copyFileSync(from.databasePath, to.databasePath);
}

/**
 * Runs bench/seed.ts in a child with the sandbox's environment. It always
 * seeds the sandbox's SQLite file; on PostgreSQL it then copies that into
 * the sandbox's database, created empty here.
 */
export async function seed(sandbox: Sandbox, job: SeedJob, timeoutMs = sandbox.postgres ? 600_000 : 120_000): Promise<SeedResult> {
  if (sandbox.postgres) {
    await sandbox.postgres.postgres.createDatabase(sandbox.postgres.name);
    job = { ...job, postgresUrl: sandbox.postgres.url };
  }
  // The seeder writes the SQLite file whatever the sandbox's engine.
  const child = forkTs("bench/seed.ts", [], { env: { ...sandbox.env, DATABASE_URL: "" } });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  try {
    const answer = nextMessage(
      child,
      (m): m is { type: "seeded"; result: SeedResult } | { type: "seed-failed"; error: string } =>
        ["seeded", "seed-failed"].includes((m as { type?: string })?.type ?? ""),
      timeoutMs,
    );
    child.send({ type: "seed", job });
    const m = await answer.catch((e: Error) => {
      throw new Error(`${e.message}\n${stderr}`);
    });
    if (m.type === "seed-failed") throw new Error(`seeding failed: ${m.error.split("\n").slice(0, 4).join(" ")}`);
    return m.result;
  } finally {
    await stopChild(child);
  }
}
