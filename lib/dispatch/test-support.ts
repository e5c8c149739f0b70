import http from "node:http";
import type { AddressInfo } from "node:net";
import { engineOf, openPostgres, openSqlite, postgresPoolOf, sqliteOf, type Db } from "@/db/client";
import { channels, deliveries, deliveryEvents, events, type ChannelType, type Severity } from "@/db/schema";
import { sealSecret } from "@/lib/crypto/secrets";
import { newId } from "@/lib/ids";

/**
 * Test fixtures for the dispatcher: channels and queued deliveries written
 * straight into the database (as ingest would), and a real HTTP receiver on
 * 127.0.0.1 that records what reached it.
 */

export async function insertChannel(
  db: Db,
  orgId: string,
  input: { type: ChannelType; name?: string; settings?: Record<string, unknown>; secrets?: Record<string, string>; productId?: string },
) {
  const id = newId("ch");
  const sealed = Object.fromEntries(Object.entries(input.secrets ?? {}).map(([field, value]) => [field, sealSecret(value, { orgId, channelId: id, field })]));
  await db.insert(channels).values({
    id,
    orgId,
    productId: input.productId ?? null,
    type: input.type,
    name: input.name ?? `${input.type} channel`,
    settings: input.settings ?? {},
    secrets: sealed,
    secretHints: {},
  });
  return id;
}

export type QueueOptions = {
  orgId: string;
  channelId: string;
  /** How many events the delivery covers (1 unless given). */
  eventCount?: number;
  productId?: string | null;
  severity?: Severity;
  type?: string;
  nextAttemptAt?: Date;
  digestKey?: string | null;
};

/** One queued delivery with its events, written in one transaction like ingest does. */
export async function queueDelivery(db: Db, options: QueueOptions): Promise<{ deliveryId: string; eventIds: string[] }> {
  const deliveryId = newId("dlv");
  const now = new Date();
  const eventIds: string[] = [];
  await db.transaction(async (tx) => {
    for (let i = 0; i < (options.eventCount ?? 1); i++) {
      const id = newId("evt");
      eventIds.push(id);
      await tx.insert(events).values({
        id,
        orgId: options.orgId,
        productId: options.productId ?? null,
        type: options.type ?? "deployment.failed",
        severity: options.severity ?? "error",
        title: `Deploy ${i + 1} failed`,
        data: { build: i + 1 },
        occurredAt: new Date(now.getTime() + i),
        receivedAt: now,
      });
    }
    await tx.insert(deliveries).values({
      id: deliveryId,
      orgId: options.orgId,
      channelId: options.channelId,
      productId: options.productId ?? null,
      nextAttemptAt: options.nextAttemptAt ?? now,
      digestKey: options.digestKey ?? null,
    });
    await tx.insert(deliveryEvents).values(eventIds.map((eventId) => ({ deliveryId, eventId })));
  });
  return { deliveryId, eventIds };
}

/** Many single-event deliveries in one transaction (the kill and two-worker tests). */
export async function queueMany(db: Db, count: number, options: Omit<QueueOptions, "eventCount">): Promise<string[]> {
  const ids: string[] = [];
  const now = Date.now();
  const eventRows: (typeof events.$inferInsert)[] = [];
  const deliveryRows: (typeof deliveries.$inferInsert)[] = [];
  const links: (typeof deliveryEvents.$inferInsert)[] = [];
  for (let i = 0; i < count; i++) {
    const eventId = newId("evt");
    const deliveryId = newId("dlv");
    eventRows.push({
      id: eventId,
      orgId: options.orgId,
      type: options.type ?? "deployment.failed",
      severity: "error",
      title: `Event ${i}`,
      data: {},
      occurredAt: new Date(now + i),
      receivedAt: new Date(now),
    });
    // Created one millisecond apart, all due now: claimed (and so sent) in this order.
    deliveryRows.push({
      id: deliveryId,
      orgId: options.orgId,
      channelId: options.channelId,
      status: "queued",
      nextAttemptAt: new Date(now),
      createdAt: new Date(now + i),
      updatedAt: new Date(now),
    });
    links.push({ deliveryId, eventId });
    ids.push(deliveryId);
  }
  // Multi-row INSERTs, a few hundred rows each (under either engine's limit on parameters).
  const ROWS = 500;
  await db.transaction(async (tx) => {
    for (let i = 0; i < count; i += ROWS) await tx.insert(events).values(eventRows.slice(i, i + ROWS));
    for (let i = 0; i < count; i += ROWS) await tx.insert(deliveries).values(deliveryRows.slice(i, i + ROWS));
    for (let i = 0; i < count; i += ROWS) await tx.insert(deliveryEvents).values(links.slice(i, i + ROWS));
  });
  return ids;
}

/**
 * Where a test database is, as DATABASE_URL says it: the SQLite file's path,
 * or the PostgreSQL database's URL (for worker processes on the same database).
 */
export function databaseAddress(db: Db): string {
  if (engineOf(db) === "sqlite") return sqliteOf(db).name;
  const url = postgresPoolOf(db).options.connectionString;
  if (!url) throw new Error("the test database's pool has no connection string");
  return url;
}

/**
 * A second handle on the same database — another SQLite connection to the
 * file, or another PostgreSQL pool — as a second worker process would have.
 * `readOnly`: every transaction of the new handle is read-only (SQLite
 * `query_only`, PostgreSQL `default_transaction_read_only`), so its writes fail
 * as they do on a read-only or full disk. Close it with closeDb.
 */
export function secondHandle(db: Db, options: { readOnly?: boolean } = {}): Db {
  if (engineOf(db) === "sqlite") {
    const other = openSqlite(sqliteOf(db).name, { migrate: false });
    if (options.readOnly) sqliteOf(other).pragma("query_only = ON");
    return other;
  }
  const url = new URL(databaseAddress(db));
  if (options.readOnly) url.searchParams.set("options", "-c default_transaction_read_only=on");
  return openPostgres(url.toString(), { pool: 4 });
}

export type ReceivedRequest = { path: string; headers: http.IncomingHttpHeaders; body: string; at: number };
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | "hang";

/** An HTTP receiver on 127.0.0.1 answering each request with what `reply` says (the n-th request is 0-based). */
export async function startReceiver(reply: (req: ReceivedRequest, n: number) => Reply = () => ({ status: 200 })) {
  const received: ReceivedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry: ReceivedRequest = { path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      const answer = reply(entry, received.length);
      received.push(entry);
      if (answer === "hang") {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
      res.end(answer.body ?? (answer.status < 300 ? "ok" : `receiver says ${answer.status}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An error's message with the messages of its causes (drizzle wraps a driver's error: "Failed query: …"). */
export function errorChain(e: unknown): string {
  const parts: string[] = [];
  for (let err = e as { message?: string; cause?: unknown } | undefined, depth = 0; err && depth < 5; err = err.cause as typeof err, depth++)
    parts.push(String(err.message ?? err));
  return parts.join("\n");
}

/** The code of a failure (SQLITE_… or a PostgreSQL SQLSTATE), on the error or its cause. */
export function errorCode(e: unknown): string | undefined {
  for (let err = e as { code?: unknown; cause?: unknown } | undefined, depth = 0; err && depth < 5; err = err.cause as typeof err, depth++) {
    if (typeof err.code === "string") return err.code;
  }
  return undefined;
}

/**
 * Polls until `check` is true (or fails the test after `timeoutMs`). The check
 * may be async (a database read); the ceiling is generous by default: loaded
 * CI machines are slow, and a passing test never waits for it.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
