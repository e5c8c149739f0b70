import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { posterThrough } from "@/lib/net/post";
import { MockAgent } from "undici";
import { closeDb, type Db } from "@/db/client";
import { attempts, channels, deliveries, events } from "@/db/schema";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { DeliveryDispatcher, type DispatcherOptions } from "./dispatcher";
import { insertChannel, queueMany, secondHandle, startReceiver, waitFor, type ReceivedRequest, type Reply } from "./test-support";

/**
 * Issue #17 items 1 and 6: a receiver's rate limit is back-pressure on the
 * channel, shared by every worker — not a failure of each delivery. Real HTTP
 * receivers on 127.0.0.1 (a MockAgent for Slack, whose URLs must be
 * hooks.slack.com), real databases, two dispatchers where it matters.
 */

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";

let db: Db;
let orgId: string;
const cleanup: (() => Promise<void>)[] = [];

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  await closeTestDb(db);
});

/** A started dispatcher, stopped after the test. */
function dispatcher(options: Partial<DispatcherOptions> & { db?: Db } = {}) {
  const d = new DeliveryDispatcher({ db, pollMs: 200, retrySchedule: [1, 2, 4], ...options });
  d.start();
  cleanup.push(() => d.stop());
  return d;
}

async function receiver(reply: (req: ReceivedRequest, n: number) => Reply) {
  const r = await startReceiver(reply);
  cleanup.push(() => r.close());
  return r;
}

// Signed, so that each request carries its delivery's webhook-id (the receivers count deliveries by it).
const webhook = (url: string) =>
  insertChannel(db, orgId, { type: "webhook", settings: { url, format: "event", authMethod: "none" }, secrets: { signingSecret: generateSigningSecret() } });
const statesOf = (ids: string[]) =>
  db.select({ status: deliveries.status, attemptCount: deliveries.attemptCount }).from(deliveries).where(inArray(deliveries.id, ids));
const allDelivered = (ids: string[]) => async () =>
  (await statesOf(ids)).every((d) => d.status === "delivered" || d.status === "dead" || d.status === "failed");
const unhealthyEvents = async () => (await db.select().from(events).where(eq(events.type, "integration.unhealthy"))).length;

/** Requests that arrived while a hold the receiver asked for was running (a margin either side for requests already on the wire). */
function sentDuringHolds(received: ReceivedRequest[], holdMs: (r: ReceivedRequest) => number | null, margin = 250) {
  const holds = received.flatMap((r) => {
    const ms = holdMs(r);
    return ms === null ? [] : [{ from: r.at + margin, to: r.at + ms - margin }];
  });
  return received.filter((r) => holds.some((h) => r.at > h.from && r.at < h.to));
}

/** The most requests in any window of `ms`, among those arriving after `from`. */
function maxInWindow(times: number[], ms: number, from = -Infinity) {
  const t = times.filter((x) => x >= from).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= ms) i++;
    max = Math.max(max, j - i + 1);
  }
  return max;
}

describe("a throttle is back-pressure on the channel, not a failure of the delivery", () => {
  it("429 Retry-After: 1 for 5 s, then 200: nothing dead, no attempt spent, nothing sent during a hold, channel throttled not failing", async () => {
    // Schedule 1, 2, 4 s: total 7 s. Before the fix each 429 spent an attempt and the deliveries were dead in ~4 s.
    let floodUntil = 0;
    const statuses: number[] = [];
    const r = await receiver((req) => {
      if (!floodUntil) floodUntil = req.at + 5_000;
      const answer: Reply = req.at < floodUntil ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 };
      statuses.push(answer.status);
      return answer;
    });
    const channelId = await webhook(r.url);
    const ids = await queueMany(db, 40, { orgId, channelId });
    let sawThrottled = false;
    dispatcher();
    await waitFor(
      async () => {
        const [c] = await db.select({ health: channels.health }).from(channels).where(eq(channels.id, channelId));
        if (c.health === "throttled") sawThrottled = true;
        return allDelivered(ids)();
      },
      60_000,
      "every delivery settled",
    );

    const states = await statesOf(ids);
    expect(states.filter((d) => d.status !== "delivered")).toEqual([]);
    expect(states.every((d) => d.attemptCount === 1)).toBe(true);
    // The burst already on the wire when the first 429 came back cannot be recalled: it is every request
    // before the first one a delivery sends again (a retry comes only once a 429 was read). Not "the first
    // second": on a loaded machine the burst itself took longer than that (PostgreSQL beside two CPU burners).
    const seen = new Set<string>();
    const firstRetry = r.received.find((x) => {
      const delivery = String(x.headers["webhook-id"]);
      if (seen.has(delivery)) return true;
      seen.add(delivery);
      return false;
    });
    const burstEnd = firstRetry?.at ?? Infinity;
    const during = sentDuringHolds(r.received, (req) => (statuses[r.received.indexOf(req)] === 429 ? 1_000 : null)).filter((x) => x.at >= burstEnd);
    expect(during.map((x) => x.at - r.received[0].at)).toEqual([]);
    // One probe per hold while the flood lasts: the 5 s flood met the burst, then about one request a second.
    expect(r.received.filter((x) => x.at >= burstEnd && x.at < floodUntil).length).toBeLessThanOrEqual(6);
    const logged = await db.select({ outcome: attempts.outcome }).from(attempts).where(inArray(attempts.deliveryId, ids));
    expect(logged.filter((a) => a.outcome === "throttled").length).toBe(statuses.filter((s) => s === 429).length);
    expect(sawThrottled).toBe(true);
    expect(await unhealthyEvents()).toBe(0);
  }, 90_000);

  it("a receiver limited to 20/s (token bucket, 429 Retry-After: 1 beyond) and a burst of 500: 0 dead, 0 lost, requests within its rate", async () => {
    const RATE = 20;
    let tokens = RATE;
    let refilledAt = 0;
    const accepted: string[] = [];
    const refusals = new Set<ReceivedRequest>();
    const r = await receiver((req) => {
      if (!refilledAt) refilledAt = req.at;
      tokens = Math.min(RATE, tokens + ((req.at - refilledAt) * RATE) / 1000);
      refilledAt = req.at;
      if (tokens < 1) {
        refusals.add(req);
        return { status: 429, headers: { "retry-after": "1" } };
      }
      tokens -= 1;
      accepted.push(String(req.headers["webhook-id"]));
      return { status: 200 };
    });
    const channelId = await webhook(r.url);
    const ids = await queueMany(db, 500, { orgId, channelId });
    dispatcher({ retrySchedule: [1, 5, 30] });
    await waitFor(allDelivered(ids), 150_000, "500 deliveries settled");

    const states = await statesOf(ids);
    expect(states.filter((d) => d.status !== "delivered").length).toBe(0);
    expect(states.every((d) => d.attemptCount === 1)).toBe(true);
    // 0 lost: every delivery reached the receiver, and was accepted there, exactly once.
    expect(accepted.length).toBe(500);
    expect(new Set(accepted)).toEqual(new Set(ids));
    // The opening burst (the dispatcher's 256 sends in flight before the first answer came back: nobody had said
    // "slow down" yet) aside, the receiver sees about what it accepts: a bucket of 20 refilled at 20/s takes up to
    // 40 in one second (full after a hold, plus the refill), and refusals are rare — AIMD probes a little above the
    // rate before each slow-down (25 % allowed for those). Issue #17 measured 5,185 attempts at ~277/s before.
    const later = r.received.slice(256);
    const peak = maxInWindow(
      later.map((x) => x.at),
      1_000,
    );
    const refusedLater = later.filter((x) => refusals.has(x)).length;
    expect(peak).toBeLessThanOrEqual(2 * RATE * 1.25);
    expect(refusedLater).toBeLessThanOrEqual(later.length / 10);
    expect(await unhealthyEvents()).toBe(0);
  }, 180_000);
});

describe("pace and hold are the channel's, shared by every worker", () => {
  it("two dispatchers, one Slack channel: never more than 1 message in any 0.8-s window", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    cleanup.push(() => agent.close());
    const sent: number[] = [];
    agent
      .get("https://hooks.slack.com")
      .intercept({ path: () => true, method: "POST" })
      .reply(() => {
        sent.push(Date.now());
        return { statusCode: 200, data: "ok" };
      })
      .persist();
    const channelId = await insertChannel(db, orgId, { type: "slack", secrets: { url: "https://hooks.slack.com/services/T0/B0/x" } });
    const ids = await queueMany(db, 8, { orgId, channelId });
    const other = secondHandle(db);
    cleanup.push(() => closeDb(other));
    // Small batches, so that both workers hold part of the queue.
    const a = dispatcher({ owner: "worker-a", poster: posterThrough(agent), batchSize: 2, concurrency: 1 });
    const b = dispatcher({ db: other, owner: "worker-b", poster: posterThrough(agent), batchSize: 2, concurrency: 1 });
    await waitFor(allDelivered(ids), 60_000, "8 Slack messages delivered");
    expect(sent).toHaveLength(8);
    expect(a.counts.delivered + b.counts.delivered).toBe(8);
    // Slots are 1 s apart; 0.2 s of slack for a loaded machine's scheduling between taking a slot and sending.
    // Unshared pacing sends two at once (one per worker), so this still fails without it.
    expect(maxInWindow(sent, 800)).toBe(1);
  }, 90_000);

  it("a 429 Retry-After: 4 seen by one dispatcher holds the other too (and deliveries queued during the hold wait for its end)", async () => {
    let throttledAt = 0;
    const r = await receiver((req, n) => {
      if (n === 0) {
        throttledAt = req.at;
        return { status: 429, headers: { "retry-after": "4" } };
      }
      return { status: 200 };
    });
    const channelId = await webhook(r.url);
    const first = await queueMany(db, 1, { orgId, channelId });
    const other = secondHandle(db);
    cleanup.push(() => closeDb(other));
    const a = dispatcher({ owner: "worker-a", retrySchedule: [1, 10] });
    const b = dispatcher({ db: other, owner: "worker-b", retrySchedule: [1, 10] });
    await waitFor(async () => (await db.select().from(attempts)).length === 1, 30_000, "the 429 recorded");
    // Half a second into the hold: more deliveries for the channel, and both workers told about them.
    const more = await queueMany(db, 6, { orgId, channelId });
    a.wake();
    b.wake();
    const ids = [...first, ...more];
    await waitFor(allDelivered(ids), 60_000, "all delivered");

    const states = await statesOf(ids);
    expect(states.filter((d) => d.status !== "delivered")).toEqual([]);
    expect(states.every((d) => d.attemptCount === 1)).toBe(true);
    const early = r.received.filter((x) => x.at > throttledAt && x.at < throttledAt + 4_000 - 250);
    expect(early.map((x) => x.at - throttledAt)).toEqual([]);
    expect(r.received).toHaveLength(8);
  }, 90_000);
});
