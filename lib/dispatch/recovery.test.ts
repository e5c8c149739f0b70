import os from "node:os";
import { spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq, inArray, sql } from "drizzle-orm";
import { closeDb, engineOf, type Db } from "@/db/client";
import { deliveries } from "@/db/schema";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { claimDueDeliveries } from "./claim";
import { replayDeliveries } from "./manual";
import { startDispatcher, type RunningDispatcher } from "./run";
import { insertChannel, queueDelivery, queueMany, secondHandle, startReceiver, waitFor } from "./test-support";

/** Issue #17 item 4 (recovery waits for the receiver, not for timers) and 7e (replay leaves test alerts alone). */

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";

let db: Db;
let orgId: string;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
let worker: RunningDispatcher | undefined;

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await receiver?.close();
  receiver = undefined;
  await closeTestDb(db);
});

const statusOf = async (ids: string[]) =>
  (await db.select({ id: deliveries.id, status: deliveries.status }).from(deliveries).where(inArray(deliveries.id, ids))).map((r) => r.status);

const webhook = (url: string) =>
  insertChannel(db, orgId, {
    type: "webhook",
    settings: { url, format: "array", authMethod: "none" },
    secrets: { signingSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
  });

describe("a channel that answers again gets its waiting retries now", () => {
  it("after an outage the retries scheduled 5 minutes out go as soon as one delivery succeeds", async () => {
    let up = false;
    receiver = await startReceiver(() => (up ? { status: 200 } : { status: 503 }));
    const channelId = await webhook(receiver.url);
    const waiting = await queueMany(db, 30, { orgId, channelId });
    worker = startDispatcher({ db, retrySchedule: [300, 300], pollMs: 500 });
    await waitFor(async () => (await statusOf(waiting)).every((s) => s === "queued") && receiver!.received.length >= 30, 30_000, "30 failed first attempts");
    const [retry] = await db.select().from(deliveries).where(eq(deliveries.id, waiting[0]));
    expect(retry.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(200_000);

    up = true;
    const fresh = await queueDelivery(db, { orgId, channelId });
    worker.wake();
    // Well under the 5-minute step: the success of the fresh one pulls the 30 forward.
    await waitFor(async () => (await statusOf([...waiting, fresh.deliveryId])).every((s) => s === "delivered"), 30_000, "every retry delivered");
    expect(receiver.received).toHaveLength(61);
  });

  it("paced: a Slack channel's pulled-forward retries are due one a second, not all at once", async () => {
    const { pullRetriesForward } = await import("./recovery");
    const channelId = await insertChannel(db, orgId, { type: "slack", settings: {}, secrets: { webhookUrl: "https://hooks.slack.com/services/T/B/x" } });
    const later = new Date(Date.now() + 300_000);
    const ids = await queueMany(db, 3, { orgId, channelId });
    await db.update(deliveries).set({ attemptCount: 1, nextAttemptAt: later }).where(inArray(deliveries.id, ids));
    const digest = await queueDelivery(db, { orgId, channelId, nextAttemptAt: later, digestKey: "d1" });
    const now = Date.now();
    expect(await db.transaction((tx) => pullRetriesForward(tx, channelId, "slack", now))).toBe(3);
    const rows = await db.select().from(deliveries).where(eq(deliveries.channelId, channelId)).orderBy(deliveries.nextAttemptAt);
    expect(rows.map((r) => r.nextAttemptAt.getTime() - now)).toEqual([0, 1000, 2000, later.getTime() - now]);
    // A digest still collecting events keeps its window.
    expect(rows[3].id).toBe(digest.deliveryId);
  });
});

describe("a restarted process takes over its dead predecessor's leases at once", () => {
  /** The pid of a process that has exited. */
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((resolve) => child.on("exit", resolve));
    return child.pid!;
  }

  it("leases of a dead process on this host are released; a live one's and another host's are left", async () => {
    receiver = await startReceiver();
    const channelId = await webhook(receiver.url);
    const pid = await deadPid();
    const dead = await queueMany(db, 5, { orgId, channelId });
    await claimDueDeliveries(db, { owner: `${os.hostname()}:${pid}:abc123`, limit: 5, leaseMs: 120_000 });
    const live = await queueMany(db, 2, { orgId, channelId });
    await claimDueDeliveries(db, { owner: `${os.hostname()}:${process.ppid}:abc123`, limit: 2, leaseMs: 120_000 });
    const elsewhere = await queueMany(db, 2, { orgId, channelId });
    await claimDueDeliveries(db, { owner: `another-${os.hostname()}:${pid}:abc123`, limit: 2, leaseMs: 120_000 });

    worker = startDispatcher({ db });
    // Without the release these wait out the 2-minute lease.
    await waitFor(async () => (await statusOf(dead)).every((s) => s === "delivered"), 30_000, "the dead process's deliveries sent");
    expect(await statusOf([...live, ...elsewhere])).toEqual(["sending", "sending", "sending", "sending"]);
    expect(receiver.received.map((r) => r.headers["webhook-id"]).sort()).toEqual([...dead].sort());
  });
});

describe("stopping", () => {
  // CI saw a SIGTERM land between a claim's commit and the start of its sends: the claimed
  // deliveries were neither sent nor handed back, and waited out their 2-minute lease.
  it("PostgreSQL: a stop that comes while a claim loads its events hands the claimed deliveries back", async () => {
    if (engineOf(db) !== "postgres") return;
    receiver = await startReceiver();
    const channelId = await webhook(receiver.url);
    const ids = await queueMany(db, 5, { orgId, channelId });
    // Another connection locks delivery_events: the claim commits, then waits there to read the events.
    const other = secondHandle(db);
    let unlock!: () => void;
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holding = other.transaction(async (tx) => {
      await tx.execute(sql`LOCK TABLE delivery_events IN ACCESS EXCLUSIVE MODE`);
      locked();
      await new Promise<void>((resolve) => (unlock = resolve));
    });
    try {
      await lockTaken;
      const running = startDispatcher({ db });
      await waitFor(async () => (await statusOf(ids)).every((s) => s === "sending"), 30_000, "the claim");
      const stopped = running.stop();
      unlock();
      await holding;
      await stopped;
    } finally {
      unlock?.();
      await closeDb(other);
    }
    expect(await statusOf(ids)).toEqual(ids.map(() => "queued"));
    expect(receiver.received).toHaveLength(0);
  });
});

describe("replay", () => {
  it("re-queues a channel's failed and dead deliveries but not its failed test alerts", async () => {
    const channelId = await webhook("http://127.0.0.1:9/hook");
    const real = await queueDelivery(db, { orgId, channelId });
    const test = await queueDelivery(db, { orgId, channelId });
    await db.update(deliveries).set({ status: "dead" }).where(eq(deliveries.id, real.deliveryId));
    await db.update(deliveries).set({ status: "failed", isTest: true }).where(eq(deliveries.id, test.deliveryId));
    const result = await replayDeliveries(
      db,
      orgId,
      { type: "system", label: "test" },
      { channel: channelId, since: new Date(Date.now() - 60_000).toISOString() },
    );
    expect(result).toEqual({ replayed: 1 });
    expect(await statusOf([real.deliveryId])).toEqual(["queued"]);
    expect(await statusOf([test.deliveryId])).toEqual(["failed"]);
  });
});
