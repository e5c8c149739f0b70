import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import Database from "better-sqlite3";
import { closeDb, openSqlite, setDb, sqliteOf } from "@/db/client";
import { createChannel } from "@/lib/channels/service";
import { runSetup } from "@/lib/accounts/setup";
import { createToken } from "@/lib/accounts/tokens";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { createRule } from "@/lib/rules/queries";
import { createChannelSchema } from "@/lib/validation/channels";
import { ruleSchema } from "@/lib/validation/rules";
import { freePort, spawnHerald, stopChild } from "@/bench/lib/processes";

/**
 * Herald as the hardening runs use it: a throw-away data dir, an org seeded
 * with the project's own domain functions (owner, admin token, a webhook
 * channel to the loopback receiver, optionally an e-mail channel, and a rule
 * that sends every event to them), and real server processes
 * (`tsx bin/herald.ts start` on the production build) that can be killed -9.
 */

// One key for the whole run: the runner seeds with it, the servers read it.
const RUN_KEYS = { HERALD_ENCRYPTION_KEY: crypto.randomBytes(32).toString("base64"), AUTH_SECRET: crypto.randomBytes(32).toString("base64url") };
export const PASSWORD = "hardening password 123";
export const EVENT_TYPE = "billing.credits_low";

/** Every temp dir a run made (data dirs), removed when the run ends without a broken promise. */
export const tempDirs: string[] = [];

/** Set before anything reads env(): the runner seeds with the same key and SMTP URL as the servers. */
export function configureRunnerEnv(smtpPort: number) {
  Object.assign(process.env, RUN_KEYS, {
    HERALD_DATA_DIR: remember(fs.mkdtempSync(path.join(os.tmpdir(), "herald-hardening-runner-"))),
    HERALD_ALLOW_PRIVATE_TARGETS: "1",
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    HERALD_LOG_LEVEL: "warn",
    NEXT_TELEMETRY_DISABLED: "1",
  });
  delete process.env.DATABASE_URL;
}

function remember(dir: string) {
  tempDirs.push(dir);
  return dir;
}

export type Sandbox = {
  label: string;
  dataDir: string;
  databasePath: string;
  env: Record<string, string>;
  org: string;
  token: string;
  ownerEmail: string;
  webhookChannelId: string;
  emailChannelId?: string;
};

export async function createSandbox(label: string, options: { hookUrl: string; dataDir?: string; email?: boolean; retrySchedule?: string }): Promise<Sandbox> {
  const dataDir = options.dataDir ?? remember(fs.mkdtempSync(path.join(os.tmpdir(), `herald-hardening-${label}-`)));
  const databasePath = path.join(dataDir, "herald.db");
  const db = openSqlite(databasePath);
  setDb(db);
  const ownerEmail = `owner@${label}.test`;
  const { org } = await runSetup(db, { orgName: `Hardening ${label}`, email: ownerEmail, password: PASSWORD, confirmPassword: PASSWORD });
  const { token } = await createToken(db, org.id, SYSTEM_ACTOR, { name: "hardening", role: "admin" });
  const webhook = await createChannel(db, org.id, SYSTEM_ACTOR, createChannelSchema.parse({ type: "webhook", name: "Loopback", url: options.hookUrl }), {
    allowPrivate: true,
  });
  const channelIds = [webhook.id];
  let emailChannelId: string | undefined;
  if (options.email) {
    const mail = await createChannel(db, org.id, SYSTEM_ACTOR, createChannelSchema.parse({ type: "email", name: "Ops mail", recipients: "ops@example.test" }));
    emailChannelId = mail.id;
  }
  await createRule(
    db,
    org.id,
    SYSTEM_ACTOR,
    ruleSchema.parse({
      name: "Hardening",
      eventTypes: [EVENT_TYPE],
      severities: ["debug", "info", "warning", "error", "critical", "alert"],
      channels: [...channelIds, ...(emailChannelId ? [emailChannelId] : [])],
    }),
  );
  sqliteOf(db).pragma("wal_checkpoint(TRUNCATE)");
  await closeDb(db);
  setDb(undefined);
  const env: Record<string, string> = {
    ...RUN_KEYS,
    HERALD_DATA_DIR: dataDir,
    DATABASE_URL: "",
    HERALD_ALLOW_PRIVATE_TARGETS: "1",
    HERALD_RETRY_SCHEDULE: options.retrySchedule ?? "1,1,2,2,5",
    HERALD_LOG_LEVEL: "warn",
    SMTP_URL: process.env.SMTP_URL ?? "",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  return { label, dataDir, databasePath, env, org: org.slug, token, ownerEmail, webhookChannelId: webhook.id, emailChannelId };
}

export type Server = { child: ChildProcess; port: number; url: string; startMs: number; pid: number };

/**
 * `tsx bin/herald.ts start` on a free port; resolves when /api/health answers 200 (any answer with `unhealthy`: a start
 * on a full disk answers 503). `env` overrides the sandbox's (HERALD_PUBLIC_URL included).
 */
export async function startServer(sandbox: Sandbox, logFile: string, env: Record<string, string> = {}, options: { unhealthy?: boolean } = {}): Promise<Server> {
  const port = await freePort();
  const started = Date.now();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnHerald(["start"], { env: { ...sandbox.env, PORT: String(port), HERALD_PUBLIC_URL: url, ...env }, logFile });
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited while starting:\n${child.output()}`);
    if (Date.now() - started > 90_000) throw new Error(`the server did not answer /api/health within 90 s:\n${child.output()}`);
    try {
      const answer = await fetch(`${url}/api/health`);
      if (answer.ok || options.unhealthy) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, url, startMs: Date.now() - started, pid: child.pid! };
}

/** kill -9 of the whole server process group (`herald start` runs Next.js in its own process). */
export async function killServer(server: Server) {
  await stopChild(server.child, "SIGKILL", 0);
}

export async function stopServer(server: Server) {
  await stopChild(server.child, "SIGTERM", 5000);
}

export type IngestAnswer = { status: number; ids: string[]; error?: string };

/** POST /api/v1/events with events of EVENT_TYPE; `keys` are the producer ids (idempotency keys). */
export async function ingest(server: Server, sandbox: Sandbox, keys: string[]): Promise<IngestAnswer> {
  const body = keys.map((id) => ({ id, type: EVENT_TYPE, severity: "warning", title: `Hardening ${id}`, data: { key: id } }));
  try {
    const res = await fetch(`${server.url}/api/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${sandbox.token}`, "content-type": "application/json" },
      body: JSON.stringify(body.length === 1 ? body[0] : body),
      signal: AbortSignal.timeout(15_000),
    });
    const json = (await res.json().catch(() => ({}))) as { events?: { id: string }[] };
    return { status: res.status, ids: (json.events ?? []).map((e) => e.id) };
  } catch (e) {
    return { status: 0, ids: [], error: (e as Error).message };
  }
}

/** A session cookie for the seeded owner, through next-auth's credentials sign-in. */
export async function signIn(server: Server, sandbox: Sandbox): Promise<string> {
  const csrfRes = await fetch(`${server.url}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const cookies = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]);
  const res = await fetch(`${server.url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email: sandbox.ownerEmail, password: PASSWORD, callbackUrl: `${server.url}/`, json: "true" }),
  });
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .find((c) => c.includes("session-token"));
  if (!session) throw new Error(`sign-in failed (${res.status})`);
  return [...cookies, session].join("; ");
}

/** Opens the sandbox's database for checks (the server may be running: WAL allows a reader). */
export function withDatabase<T>(sandbox: Sandbox, fn: (sqlite: Database.Database) => T): T {
  const sqlite = new Database(sandbox.databasePath);
  sqlite.pragma("busy_timeout = 5000");
  try {
    return fn(sqlite);
  } finally {
    sqlite.close();
  }
}

export function integrityCheck(sandbox: Sandbox): string {
  return withDatabase(sandbox, (sqlite) => (sqlite.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join("; "));
}

/** The deliveries (id, channel, status) of each event, by event id. */
export function deliveriesOfEvents(sandbox: Sandbox, eventIds: string[]): Map<string, { id: string; channelId: string; status: string }[]> {
  return withDatabase(sandbox, (sqlite) => {
    const statement = sqlite.prepare(
      "SELECT d.id, d.channel_id AS channelId, d.status FROM delivery_events de JOIN deliveries d ON d.id = de.delivery_id WHERE de.event_id = ?",
    );
    return new Map(eventIds.map((id) => [id, statement.all(id) as { id: string; channelId: string; status: string }[]]));
  });
}

export const repoFile = (p: string) => path.resolve(import.meta.dirname, "..", "..", p);
