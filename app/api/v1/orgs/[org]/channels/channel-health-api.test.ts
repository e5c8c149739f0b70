import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/client";
import { listChannels } from "@/lib/channels/service";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { dispatchOnce } from "@/lib/dispatch/run";
import { insertChannel, queueDelivery, startReceiver, type Reply } from "@/lib/dispatch/test-support";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as collection from "./route";
import * as item from "./[id]/route";

/**
 * Channel health on the page and in the API (issue #20 item 4): the figures of
 * real deliveries to real receivers on 127.0.0.1 — last attempt, last success,
 * last error in words, delivered/failed in the last 24 h (an attempt two days
 * old left out) — read back through the channel routes and the console's query.
 */

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_RETRY_SCHEDULE = "600";

const DAY_MS = 24 * 3600 * 1000;

let db: Db;
let orgId: string;
let token: string;
const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];

beforeAll(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  token = (await insertApiToken(db, { orgId, name: "read", role: "read" })).token;
});

afterAll(async () => {
  vi.useRealTimers();
  await Promise.all(receivers.map((r) => r.close()));
  await closeTestDb(db);
});

async function receiver(replies: Reply[]) {
  const r = await startReceiver((_req, n) => replies[n] ?? { status: 200 });
  receivers.push(r);
  return r;
}

/** One delivery, sent now through the real dispatcher (one at a time: the order of attempts is the test's). */
async function deliverOne(channelId: string) {
  await queueDelivery(db, { orgId, channelId });
  await dispatchOnce(db, { deadlineMs: 20_000, concurrency: 1 });
}

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function get(handler: Handler, params: Record<string, string>) {
  const res = await handler(new Request(`http://herald.test/api/v1/orgs/acme/channels`, { headers: { authorization: `Bearer ${token}` } }), {
    params: Promise.resolve(params),
  });
  expect(res.status).toBe(200);
  return res.json();
}

describe("channel health figures", () => {
  it("show the last attempt, last success, last error in words and the last 24 h's counts, the same in the API and the console's query", async () => {
    // Good answers 200 to all; Flaky: 400 (two days ago), then 200, 400, 503.
    const good = await receiver([]);
    const flaky = await receiver([{ status: 400 }, { status: 200 }, { status: 400 }, { status: 503 }]);
    const goodId = await insertChannel(db, orgId, { type: "webhook", name: "Good", settings: { url: good.url, format: "event" } });
    const flakyId = await insertChannel(db, orgId, { type: "webhook", name: "Flaky", settings: { url: flaky.url, format: "event" } });

    // Two days ago (the wall clock moved back; timers and sockets stay real): outside the last 24 h.
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() - 2 * DAY_MS);
    await deliverOne(goodId);
    await deliverOne(goodId);
    await deliverOne(flakyId);
    vi.useRealTimers();

    const started = Date.now();
    for (let i = 0; i < 3; i++) await deliverOne(goodId);
    await deliverOne(flakyId); // 200
    await deliverOne(flakyId); // 400: failed (not retried)
    await deliverOne(flakyId); // 503: retried in 10 minutes
    expect(flaky.received).toHaveLength(4);

    const { channels } = await get(collection.GET as Handler, { org: "acme" });
    const byName = Object.fromEntries(channels.map((c: { name: string }) => [c.name, c]));
    expect(byName.Good).toMatchObject({
      health: "healthy",
      lastAttempt: { outcome: "delivered", statusCode: 200 },
      last24h: { delivered: 3, failed: 0 },
      lastError: null,
      lastErrorSentence: null,
    });
    expect(byName.Flaky).toMatchObject({
      lastAttempt: { outcome: "retry", statusCode: 503 },
      last24h: { delivered: 1, failed: 1 },
      lastError: "the receiver answered 503 Service Unavailable",
      lastErrorSentence: "The receiver answered 503 Service Unavailable.",
    });
    for (const c of [byName.Good, byName.Flaky]) {
      expect(Date.parse(c.lastAttempt.at)).toBeGreaterThanOrEqual(started);
      expect(c.lastAttempt.durationMs).toBeGreaterThanOrEqual(0);
      expect(c.lastAttempt.durationMs).toBeLessThan(15_000);
      expect(Date.parse(c.lastSuccessAt)).toBeGreaterThanOrEqual(started);
      // The window is whole hours from 24 hours ago: the two-day-old attempts are before it.
      expect(Date.now() - Date.parse(c.last24h.since)).toBeGreaterThanOrEqual(DAY_MS);
      expect(Date.now() - Date.parse(c.last24h.since)).toBeLessThanOrEqual(DAY_MS + 3600_000);
    }

    // One channel's view and the console's query say the same.
    const { channel } = await get(item.GET as Handler, { org: "acme", id: flakyId });
    expect(channel).toEqual(byName.Flaky);
    const consoleView = (await listChannels(db, orgId)).find((c) => c.id === flakyId);
    expect(JSON.parse(JSON.stringify(consoleView))).toEqual(byName.Flaky);
  });

  it("put a connection refused in words, with no status code", async () => {
    const gone = await receiver([]);
    const url = gone.url;
    await gone.close();
    receivers.splice(receivers.indexOf(gone), 1);
    const id = await insertChannel(db, orgId, { type: "webhook", name: "Nobody home", settings: { url, format: "event" } });
    await deliverOne(id);
    const { channel } = await get(item.GET as Handler, { org: "acme", id });
    const host = new URL(url).host;
    expect(channel).toMatchObject({
      lastAttempt: { outcome: "retry", statusCode: null },
      lastErrorSentence: `Connection refused by ${host}.`,
      last24h: { delivered: 0, failed: 0 },
    });
  });
});
