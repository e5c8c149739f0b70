import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { forkTs, nextMessage, repoRoot, stopChild } from "./processes";
import type { SeedJob, SeedResult } from "../seed";

/** The benchmark runs Herald as users do: the CLI and server that `npm run build` bundled into dist/. */
export function builtCliMissing(): string | null {
  return fs.existsSync(path.join(repoRoot, "dist", "herald.mjs")) ? null : "no build of the server (dist/herald.mjs); run `npm run build` first";
}

// One key for the whole run, so a seeded database can be copied into another sandbox and still open.
const RUN_ENCRYPTION_KEY = crypto.randomBytes(32).toString("base64");
const RUN_AUTH_SECRET = crypto.randomBytes(32).toString("base64url");

/** A throw-away data dir and the environment every Herald child of one scenario shares. */
export function heraldSandbox(label: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `herald-bench-${label}-`));
  const env: Record<string, string> = {
    HERALD_DATA_DIR: dataDir,
    DATABASE_URL: "",
    HERALD_ENCRYPTION_KEY: RUN_ENCRYPTION_KEY,
    AUTH_SECRET: RUN_AUTH_SECRET,
    HERALD_ALLOW_PRIVATE_TARGETS: "1",
    // A failed first attempt is rescheduled an hour out, so a run measures first attempts only.
    HERALD_RETRY_SCHEDULE: "3600",
    HERALD_LOG_LEVEL: process.env.HERALD_LOG_LEVEL ?? "info",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  return {
    dataDir,
    env,
    databasePath: path.join(dataDir, "herald.db"),
    remove: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Copies a seeded sandbox's database (after the seeder checkpointed it) into another sandbox. */
export function copyDatabase(from: { databasePath: string }, to: { databasePath: string }) {
  fs.copyFileSync(from.databasePath, to.databasePath);
}

/** Runs bench/seed.ts in a child with the sandbox's environment. */
export async function seed(sandboxEnv: Record<string, string | undefined>, job: SeedJob, timeoutMs = 120_000): Promise<SeedResult> {
  const child = forkTs("bench/seed.ts", [], { env: sandboxEnv });
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
