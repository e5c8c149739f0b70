import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deliveries } from "@/db/schema";
import { GET as health } from "@/app/api/health/route";
import { retryOwnClockRefusal } from "@/lib/channels/webhook/module";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { checkClockAgainstDatabase, clockStep, pullInStrandedRetries, resetClockCheck } from "./clock";
import { startDispatcher, type RunningDispatcher } from "./run";
import { insertChannel, queueDelivery, startReceiver, waitFor } from "./test-support";

/** Clock steps (issue #17 §5): the clock is moved with vi.setSystemTime or by timestamps written into rows — never by sleeping. */

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_RETRY_SCHEDULE = "1,3";

const HOUR = 3_600_000;
let db: Db;
let orgId: string;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
let worker: RunningDispatcher | undefined;

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  resetClockCheck();
});

afterEach(async () => {
  vi.useRealTimers();
  resetClockCheck();
  await worker?.stop();
  worker = undefined;
  await receiver?.close();
  receiver = undefined;
  await closeTestDb(db);
});

const deliveryOf = async (id: string) => (await db.select().from(deliveries).where(eq(deliveries.id, id)))[0]!;

async function healthJson() {
  const answer = await health();
  return { status: answer.status, body: (await answer.json()) as { checks: { clock: { ok: boolean; stepMs?: number; warning?: string } } } };
}

describe("clock steps", () => {
  it("a step of the wall clock against the monotonic clock is a warning in /api/health (still 200)", async () => {
    expect((await healthJson()).body.checks.clock).toEqual({ ok: true });
    vi.setSystemTime(Date.now() - HOUR);
    const { status, body } = await healthJson();
    expect(status).toBe(200);
    expect(body.checks.clock).toMatchObject({ ok: false, warning: expect.stringMatching(/^the clock stepped back by 3600 s while running$/) });
    expect(body.checks.clock.stepMs).toBeLessThan(-HOUR + 60_000);
  });

  it("a start whose clock is behind the newest stored event by more than a minute is a backwards step", async () => {
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: "http://127.0.0.1:9/hook", format: "array", authMethod: "none" } });
    await queueDelivery(db, { orgId, channelId });
    expect(await checkClockAgainstDatabase(db, Date.now() - 30_000)).toBeNull(); // within a minute: not a step
    expect(clockStep()).toBeNull();
    const step = await checkClockAgainstDatabase(db, Date.now() - HOUR);
    expect(step?.stepMs).toBeLessThan(-HOUR + 60_000);
    expect((await healthJson()).body.checks.clock).toMatchObject({
      ok: false,
      warning: expect.stringMatching(/stepped back by .* since the last write before this start/),
    });
  });

  it("retries a backwards step put off are due now; other retries and collecting digests keep their time", async () => {
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: "http://127.0.0.1:9/hook", format: "array", authMethod: "none" } });
    const now = Date.now();
    const schedule = [5, 300];
    const make = async (values: { attemptCount: number; nextAttemptAt: number; updatedAt: number }, digestKey: string | null = null) => {
      const { deliveryId } = await queueDelivery(db, { orgId, channelId, digestKey });
      await db
        .update(deliveries)
        .set({ attemptCount: values.attemptCount, nextAttemptAt: new Date(values.nextAttemptAt), updatedAt: new Date(values.updatedAt) })
        .where(eq(deliveries.id, deliveryId));
      return deliveryId;
    };
    // Recorded an hour "ahead" (before the clock went back 1 h), due 5 min after that.
    const recordedAhead = await make({ attemptCount: 1, nextAttemptAt: now + HOUR + 300_000, updatedAt: now + HOUR });
    // Due further ahead than the schedule's longest step (5 min) allows.
    const beyondSchedule = await make({ attemptCount: 2, nextAttemptAt: now + 30 * 60_000, updatedAt: now });
    const ordinary = await make({ attemptCount: 1, nextAttemptAt: now + 290_000, updatedAt: now });
    const digest = await make({ attemptCount: 0, nextAttemptAt: now + 2 * HOUR, updatedAt: now }, "digest-slot");

    expect(await pullInStrandedRetries(db, schedule, now)).toBe(2);
    for (const id of [recordedAhead, beyondSchedule]) expect((await deliveryOf(id)).nextAttemptAt.getTime()).toBe(now);
    expect((await deliveryOf(ordinary)).nextAttemptAt.getTime()).toBe(now + 290_000);
    expect((await deliveryOf(digest)).nextAttemptAt.getTime()).toBe(now + 2 * HOUR);
    expect(await pullInStrandedRetries(db, schedule, now)).toBe(0);
  });

  it("a worker started after the clock went back sends the put-off retry at once, not an hour later", async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: receiver.url, format: "array", authMethod: "none" } });
    const { deliveryId } = await queueDelivery(db, { orgId, channelId });
    const ahead = Date.now() + HOUR;
    await db
      .update(deliveries)
      .set({ attemptCount: 1, nextAttemptAt: new Date(ahead + 3_000), updatedAt: new Date(ahead) })
      .where(eq(deliveries.id, deliveryId));
    worker = startDispatcher({ db });
    await waitFor(async () => (await deliveryOf(deliveryId)).status === "delivered", 30_000, "the put-off retry delivered");
    expect(receiver.received).toHaveLength(1);
  });

  it("a signed webhook refused with 4xx by a receiver whose Date differs by more than 5 min is retried, not failed", async () => {
    const skewed = new Date(Date.now() + HOUR).toUTCString();
    receiver = await startReceiver((_req, n) => (n === 0 ? { status: 401, headers: { date: skewed }, body: "timestamp too old" } : { status: 200 }));
    const channelId = await insertChannel(db, orgId, {
      type: "webhook",
      settings: { url: receiver.url, format: "array", authMethod: "none" },
      secrets: { signingSecret: generateSigningSecret() },
    });
    const { deliveryId } = await queueDelivery(db, { orgId, channelId });
    worker = startDispatcher({ db });
    await waitFor(async () => ["delivered", "failed", "dead"].includes((await deliveryOf(deliveryId)).status), 30_000, "the delivery settled");
    expect((await deliveryOf(deliveryId)).status).toBe("delivered");
    expect(receiver.received).toHaveLength(2);
  });

  it("a 4xx with the clocks in agreement stays final", async () => {
    receiver = await startReceiver(() => ({ status: 401 })); // node's own Date header: our clock
    const channelId = await insertChannel(db, orgId, {
      type: "webhook",
      settings: { url: receiver.url, format: "array", authMethod: "none" },
      secrets: { signingSecret: generateSigningSecret() },
    });
    const { deliveryId } = await queueDelivery(db, { orgId, channelId });
    worker = startDispatcher({ db });
    await waitFor(async () => ["delivered", "failed", "dead"].includes((await deliveryOf(deliveryId)).status), 30_000, "the delivery settled");
    expect((await deliveryOf(deliveryId)).status).toBe("failed");
    expect(receiver.received).toHaveLength(1);
  });

  it("after our clock stepped, a signature refusal is retried even when the receiver's Date agrees (it follows ours)", () => {
    const refusal = { ok: false, durationMs: 1, statusCode: 401, retryable: false, error: "the receiver answered 401 Unauthorized", receiverClockMs: 0 };
    expect(retryOwnClockRefusal(refusal).retryable).toBe(false);
    vi.setSystemTime(Date.now() - HOUR);
    expect(clockStep()).not.toBeNull();
    expect(retryOwnClockRefusal(refusal)).toMatchObject({ retryable: true, error: expect.stringMatching(/retried: our clock stepped/) });
    expect(retryOwnClockRefusal({ ...refusal, statusCode: 410, gone: true }).retryable).toBe(false);
  });
});
