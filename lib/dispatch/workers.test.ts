import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { count, eq, ne, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { attempts, deliveries } from "@/db/schema";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { databaseAddress, insertChannel, queueMany, startReceiver, waitFor } from "./test-support";

/**
 * Standalone workers as separate processes on one database — the SQLite file,
 * or one PostgreSQL database, as DATABASE_URL tells each of them: the real
 * `runWorkerCommand`, started with tsx, killed with SIGKILL or stopped with
 * SIGTERM.
 */

let db: Db;
let orgId: string;
let children: ChildProcess[] = [];
let receiver: Awaited<ReturnType<typeof startReceiver>>;

const CHILD = path.join(process.cwd(), "lib", "dispatch", "testing", "worker-child.ts");

function startWorker(leaseMs: number, timeoutMs?: number): ChildProcess {
  // node with tsx as a loader (not the tsx CLI, which would put a second process between the test and the worker).
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, String(leaseMs), ...(timeoutMs ? [String(timeoutMs)] : [])], {
    env: { ...process.env, DATABASE_URL: databaseAddress(db), HERALD_ALLOW_PRIVATE_TARGETS: "1", HERALD_RETRY_SCHEDULE: "1,1,1", HERALD_LOG_LEVEL: "silent" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

const countDeliveries = async (where: SQL | undefined) => (await db.select({ n: count() }).from(deliveries).where(where))[0].n;
const delivered = () => countDeliveries(eq(deliveries.status, "delivered"));

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
});

afterEach(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await Promise.all(children.map(exited));
  children = [];
  await receiver?.close();
  await closeTestDb(db);
});

describe("standalone workers", () => {
  it("kill -9 mid-dispatch and restart: all 2,000 reach the receiver, duplicates share the webhook-id, none stays sending", async () => {
    receiver = await startReceiver();
    const signingSecret = generateSigningSecret();
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: receiver.url, format: "event" }, secrets: { signingSecret } });
    const ids = await queueMany(db, 2_000, { orgId, channelId });

    const first = startWorker(3_000);
    await waitFor(() => receiver.received.length >= 400, 60_000, "the first worker to get going");
    first.kill("SIGKILL");
    await exited(first);
    const beforeRestart = receiver.received.length;
    expect(beforeRestart).toBeLessThan(2_000);

    const second = startWorker(3_000);
    await waitFor(async () => (await delivered()) === 2_000, 90_000, "every delivery delivered");
    second.kill("SIGTERM");
    expect(await exited(second)).toBe(0);

    expect(await countDeliveries(ne(deliveries.status, "delivered"))).toBe(0);
    const byId = new Map<string, string[]>();
    for (const req of receiver.received) {
      const id = String(req.headers["webhook-id"]);
      // Every copy verifies, and carries the event of the delivery it names.
      const event = new Webhook(signingSecret).verify(req.body, req.headers as Record<string, string>) as { id: string };
      byId.set(id, [...(byId.get(id) ?? []), event.id]);
    }
    expect(new Set(byId.keys())).toEqual(new Set(ids));
    for (const copies of byId.values()) expect(new Set(copies).size).toBe(1);
    const duplicates = receiver.received.length - ids.length;
    expect(duplicates).toBeGreaterThanOrEqual(0);
  }, 180_000);

  it("two workers on one database: every delivery sent exactly once while both are healthy, and both stop cleanly", async () => {
    receiver = await startReceiver();
    const secrets = { signingSecret: generateSigningSecret() };
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: receiver.url }, secrets });
    const other = await insertChannel(db, orgId, { type: "webhook", settings: { url: receiver.url.replace("/hook", "/other") }, secrets });
    const ids = [...(await queueMany(db, 600, { orgId, channelId })), ...(await queueMany(db, 600, { orgId, channelId: other }))];

    const a = startWorker(60_000);
    const b = startWorker(60_000);
    await waitFor(async () => (await delivered()) === ids.length, 90_000, "every delivery delivered");
    a.kill("SIGTERM");
    b.kill("SIGTERM");
    expect(await Promise.all([exited(a), exited(b)])).toEqual([0, 0]);

    const webhookIds = receiver.received.map((r) => String(r.headers["webhook-id"]));
    expect(webhookIds).toHaveLength(ids.length);
    expect(new Set(webhookIds)).toEqual(new Set(ids));
    expect((await db.select({ n: count() }).from(attempts))[0].n).toBe(ids.length);
  }, 180_000);

  it("SIGTERM with nothing in flight: the worker exits at once, not after the stop grace (issue #17 item 7d)", async () => {
    receiver = await startReceiver();
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: receiver.url }, secrets: { signingSecret: generateSigningSecret() } });
    const ids = await queueMany(db, 20, { orgId, channelId });
    // A 60-second attempt limit: a stop grace of 65 s. The ceiling below is under the two things that
    // held an idle worker before: the grace timer and (PostgreSQL) the pool's 10-s idle clients.
    const worker = startWorker(600_000, 60_000);
    await waitFor(async () => (await delivered()) === ids.length, 60_000, "every delivery delivered");
    worker.kill("SIGTERM");
    let code: number | null | undefined;
    void exited(worker).then((c) => (code = c));
    await waitFor(() => code !== undefined, 8_000, "the idle worker to exit");
    expect(code).toBe(0);
  }, 120_000);

  it("SIGTERM with sends in flight: the worker exits once they are answered, not after the whole grace", async () => {
    // Answers each request after 1 s, so sends are in flight when the signal comes.
    let requests = 0;
    const slow = http.createServer((req, res) => {
      requests++;
      req.resume();
      req.on("end", () => setTimeout(() => res.end("ok"), 1_000));
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    receiver = await startReceiver(); // closed by afterEach; the slow server by the finally below
    try {
      const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/hook`;
      const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url }, secrets: { signingSecret: generateSigningSecret() } });
      await queueMany(db, 20, { orgId, channelId });
      const worker = startWorker(600_000, 60_000); // a stop grace of 65 s, far over the ceiling below
      // A request at the receiver, not a claimed row: a stop between a claim and its sends hands them back unsent.
      await waitFor(() => requests > 0, 60_000, "sends in flight");
      worker.kill("SIGTERM");
      let code: number | null | undefined;
      void exited(worker).then((c) => (code = c));
      await waitFor(() => code !== undefined, 20_000, "the worker to exit after its sends were answered");
      expect(code).toBe(0);
      expect(await delivered()).toBeGreaterThan(0);
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  }, 120_000);
});
