import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import type { Db } from "@/db/client";
import { attempts, channels, deliveries } from "@/db/schema";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { dispatchOnce, startDispatcher, type RunningDispatcher } from "./run";
import { insertChannel, queueDelivery, startReceiver, waitFor, type Reply } from "./test-support";

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_RETRY_SCHEDULE = "1,3";

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

const attemptsOf = (deliveryId: string) => db.select().from(attempts).where(eq(attempts.deliveryId, deliveryId)).orderBy(attempts.at, attempts.id);
const deliveryOf = async (id: string) => (await db.select().from(deliveries).where(eq(deliveries.id, id)))[0]!;

async function webhookChannel(url: string, auth: { settings?: Record<string, unknown>; secrets?: Record<string, string> } = {}) {
  const signingSecret = generateSigningSecret();
  const id = await insertChannel(db, orgId, {
    type: "webhook",
    settings: { url, format: "array", authMethod: "none", ...auth.settings },
    secrets: { signingSecret, ...auth.secrets },
  });
  return { id, signingSecret };
}

describe("webhook deliveries: signed, authenticated, webhook-id stable", () => {
  it.each([
    ["none", {}, (h: Record<string, unknown>) => expect(h.authorization).toBeUndefined()],
    [
      "bearer",
      { settings: { authMethod: "bearer" }, secrets: { token: "tok-123" } },
      (h: Record<string, unknown>) => expect(h.authorization).toBe("Bearer tok-123"),
    ],
    [
      "basic",
      { settings: { authMethod: "basic", username: "herald" }, secrets: { password: "pw" } },
      (h: Record<string, unknown>) => expect(h.authorization).toBe(`Basic ${Buffer.from("herald:pw").toString("base64")}`),
    ],
    [
      "apikey",
      { settings: { authMethod: "apikey", headerName: "X-Api-Key" }, secrets: { headerValue: "k-9" } },
      (h: Record<string, unknown>) => expect(h["x-api-key"]).toBe("k-9"),
    ],
    [
      "headers",
      { settings: { authMethod: "headers" }, secrets: { headers: JSON.stringify({ "X-One": "1", "X-Two": "2" }) } },
      (h: Record<string, unknown>) => expect([h["x-one"], h["x-two"]]).toEqual(["1", "2"]),
    ],
  ] as const)("auth %s: the receiver verifies the Standard Webhooks signature and sees the credentials", async (_m, auth, checkAuth) => {
    receiver = await startReceiver();
    const channel = await webhookChannel(receiver.url, auth);
    const { deliveryId, eventIds } = await queueDelivery(db, { orgId, channelId: channel.id, eventCount: 2 });

    const counts = await dispatchOnce(db, { deadlineMs: 20_000 });

    expect(counts).toMatchObject({ claimed: 1, delivered: 1 });
    expect(receiver.received).toHaveLength(1);
    const req = receiver.received[0];
    const payload = new Webhook(channel.signingSecret).verify(req.body, req.headers as Record<string, string>) as { id: string; title: string }[];
    expect(req.headers["webhook-id"]).toBe(deliveryId);
    expect(payload.map((e) => e.id)).toEqual(eventIds);
    checkAuth(req.headers);
    expect(await deliveryOf(deliveryId)).toMatchObject({ status: "delivered", attemptCount: 1, leaseOwner: null });
    expect(await attemptsOf(deliveryId)).toMatchObject([{ outcome: "delivered", statusCode: 200, response: "ok" }]);
  });

  it("a signature made with another secret does not verify (the check can fail)", async () => {
    receiver = await startReceiver();
    const channel = await webhookChannel(receiver.url);
    await queueDelivery(db, { orgId, channelId: channel.id });
    await dispatchOnce(db, { deadlineMs: 20_000 });
    const req = receiver.received[0];
    expect(() => new Webhook(generateSigningSecret()).verify(req.body, req.headers as Record<string, string>)).toThrow();
  });
});

describe("outcomes follow the receiver's answers, in order, and every attempt is stored", () => {
  async function runUntilSettled(replies: Reply[], options: { timeoutMs?: number } = {}) {
    receiver = await startReceiver((_req, n) => replies[Math.min(n, replies.length - 1)]);
    const channel = await webhookChannel(receiver.url);
    const { deliveryId } = await queueDelivery(db, { orgId, channelId: channel.id });
    worker = startDispatcher({ db, pollMs: 100, ...options });
    await waitFor(async () => ["delivered", "failed", "dead"].includes((await deliveryOf(deliveryId)).status), 30_000, "a final status");
    await worker.stop();
    worker = undefined;
    return { deliveryId, channelId: channel.id };
  }

  it("500 then 200: retried after the schedule, then delivered; both requests carry the same webhook-id", async () => {
    const { deliveryId } = await runUntilSettled([{ status: 500 }, { status: 200 }]);
    const stored = await attemptsOf(deliveryId);
    expect(stored.map((a) => [a.outcome, a.statusCode])).toEqual([
      ["retry", 500],
      ["delivered", 200],
    ]);
    expect(stored[0].error).toMatch(/500/);
    expect(stored[0].response).toBe("receiver says 500");
    expect(new Set(receiver!.received.map((r) => r.headers["webhook-id"]))).toEqual(new Set([deliveryId]));
    // The second attempt waited for the first step of the schedule (1 s, ±10 % jitter).
    expect(stored[1].at.getTime() - stored[0].at.getTime()).toBeGreaterThanOrEqual(850);
    expect(await deliveryOf(deliveryId)).toMatchObject({ status: "delivered", attemptCount: 2, lastError: null });
  }, 60_000);

  it("429 with Retry-After: 2 is back-pressure: throttled (no attempt spent), waits the receiver's 2 s (under the 3 s cap), then delivers", async () => {
    const { deliveryId } = await runUntilSettled([{ status: 429, headers: { "retry-after": "2" } }, { status: 200 }]);
    const stored = await attemptsOf(deliveryId);
    expect(stored.map((a) => [a.outcome, a.statusCode])).toEqual([
      ["throttled", 429],
      ["delivered", 200],
    ]);
    expect(stored[1].at.getTime() - stored[0].at.getTime()).toBeGreaterThanOrEqual(1_950);
    expect(await deliveryOf(deliveryId)).toMatchObject({ status: "delivered", attemptCount: 1 });
  }, 60_000);

  it("410 Gone: failed at once, and the channel is disabled", async () => {
    const { deliveryId, channelId } = await runUntilSettled([{ status: 410 }]);
    expect((await attemptsOf(deliveryId)).map((a) => [a.outcome, a.statusCode])).toEqual([["failed", 410]]);
    expect((await db.select().from(channels).where(eq(channels.id, channelId)))[0]).toMatchObject({ health: "disabled" });
  }, 60_000);

  it("an answer holding NUL bytes (which PostgreSQL text refuses) is stored with U+FFFD in their place, and the deliveries after it go out", async () => {
    const replies: Reply[] = [
      { status: 500, body: "bad\u0000gateway" },
      { status: 200, body: "ok\u0000\u0000done" },
    ];
    receiver = await startReceiver((_req, n) => replies[Math.min(n, replies.length - 1)]);
    const channel = await webhookChannel(receiver.url);
    const { deliveryId } = await queueDelivery(db, { orgId, channelId: channel.id });
    worker = startDispatcher({ db, pollMs: 100 });
    await waitFor(async () => (await deliveryOf(deliveryId)).status === "delivered", 30_000, "the delivery answered with NUL bytes delivered");
    const stored = await attemptsOf(deliveryId);
    expect(stored.map((a) => [a.outcome, a.response])).toEqual([
      ["retry", "bad\ufffdgateway"],
      ["delivered", "ok\ufffd\ufffddone"],
    ]);
    // The dispatcher was not stalled by it: a delivery queued afterwards is sent too.
    const later = await queueDelivery(db, { orgId, channelId: channel.id });
    worker.wake();
    await waitFor(async () => (await deliveryOf(later.deliveryId)).status === "delivered", 30_000, "a later delivery delivered");
  }, 60_000);

  it("400: failed without retry", async () => {
    const { deliveryId } = await runUntilSettled([{ status: 400 }, { status: 200 }]);
    expect((await attemptsOf(deliveryId)).map((a) => a.outcome)).toEqual(["failed"]);
    expect(receiver!.received).toHaveLength(1);
  }, 60_000);

  it("a receiver that never answers: each attempt times out, retried per the schedule, then dead", async () => {
    const { deliveryId } = await runUntilSettled(["hang"], { timeoutMs: 300 });
    const stored = await attemptsOf(deliveryId);
    expect(stored.map((a) => a.outcome)).toEqual(["retry", "retry", "dead"]);
    for (const a of stored) {
      expect(a.error).toMatch(/timed out/);
      expect(a.statusCode).toBeNull();
    }
    expect(await deliveryOf(deliveryId)).toMatchObject({ status: "dead", attemptCount: 3 });
  }, 60_000);
});
