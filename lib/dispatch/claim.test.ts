import { beforeEach, describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { openDb, type Db } from "@/db/client";
import { attempts, channels, deliveries } from "@/db/schema";
import { seedOrg, testDb } from "@/test/db";
import { claimDueDeliveries, recordAndClaim } from "./claim";
import { recordOutcomes } from "./outcomes";
import { insertChannel, queueDelivery, queueMany } from "./test-support";

let db: Db;
let orgId: string;
let channelId: string;

beforeEach(() => {
  db = testDb();
  orgId = seedOrg(db, "acme").org.id;
  channelId = insertChannel(db, orgId, { type: "webhook", settings: { url: "http://127.0.0.1:9/hook" } });
});

const statusOf = (id: string) => db.select().from(deliveries).where(eq(deliveries.id, id)).get()!;

describe("claimDueDeliveries", () => {
  it("two workers on two connections to one file never claim the same delivery", () => {
    const ids = queueMany(db, 300, { orgId, channelId });
    const other = openDb(db.$client.name);
    const seen = new Map<string, string>();
    for (let round = 0; round < 10; round++) {
      for (const [owner, conn] of [["a", db], ["b", other]] as const) {
        for (const d of claimDueDeliveries(conn, { owner, limit: 17, leaseMs: 60_000 })) {
          expect(seen.has(d.id), `${d.id} claimed twice`).toBe(false);
          seen.set(d.id, owner);
        }
      }
    }
    expect(seen.size).toBe(300);
    expect(new Set(ids)).toEqual(new Set(seen.keys()));
    const rows = db.select().from(deliveries).all();
    expect(rows.every((r) => r.status === "sending" && r.leaseOwner === seen.get(r.id))).toBe(true);
    other.$client.close();
  });

  it("leaves deliveries that are not due yet, and claims them once due", () => {
    const later = queueDelivery(db, { orgId, channelId, nextAttemptAt: new Date(Date.now() + 60_000) }).deliveryId;
    expect(claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000 })).toHaveLength(0);
    expect(claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000, now: Date.now() + 61_000 }).map((d) => d.id)).toEqual([later]);
  });

  it("reclaims a delivery whose lease expired (its worker died): at-least-once", () => {
    const { deliveryId } = queueDelivery(db, { orgId, channelId });
    const now = Date.now();
    expect(claimDueDeliveries(db, { owner: "dead-worker", limit: 10, leaseMs: 1000, now })).toHaveLength(1);
    expect(claimDueDeliveries(db, { owner: "b", limit: 10, leaseMs: 1000, now: now + 500 })).toHaveLength(0);
    const again = claimDueDeliveries(db, { owner: "b", limit: 10, leaseMs: 1000, now: now + 1001 });
    expect(again.map((d) => d.id)).toEqual([deliveryId]);
    expect(statusOf(deliveryId)).toMatchObject({ status: "sending", leaseOwner: "b" });
  });

  it("skips deliveries of a disabled channel (health or switch): they wait, queued", () => {
    const { deliveryId } = queueDelivery(db, { orgId, channelId });
    db.update(channels).set({ health: "disabled" }).where(eq(channels.id, channelId)).run();
    expect(claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000 })).toHaveLength(0);
    db.update(channels).set({ health: "healthy", enabled: false }).where(eq(channels.id, channelId)).run();
    expect(claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000 })).toHaveLength(0);
    expect(statusOf(deliveryId).status).toBe("queued");
    db.update(channels).set({ enabled: true }).where(eq(channels.id, channelId)).run();
    expect(claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000 })).toHaveLength(1);
  });

  it("a digest is claimed when its window closes, and its digest key is cleared so new events open a new digest", () => {
    const windowEnd = Date.now() + 60_000;
    const { deliveryId } = queueDelivery(db, { orgId, channelId, nextAttemptAt: new Date(windowEnd), digestKey: "ch/rule/window-1" });
    expect(claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000 })).toHaveLength(0);
    expect(statusOf(deliveryId).digestKey).toBe("ch/rule/window-1");
    expect(claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000, now: windowEnd })).toHaveLength(1);
    expect(statusOf(deliveryId).digestKey).toBeNull();
  });

  it("skips channels the worker asks it to skip (its own backlog for them is full)", () => {
    const other = insertChannel(db, orgId, { type: "webhook", settings: { url: "http://127.0.0.1:9/x" } });
    queueMany(db, 5, { orgId, channelId });
    const wanted = queueMany(db, 2, { orgId, channelId: other });
    const claimed = claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000, skipChannels: [channelId] });
    expect(claimed.map((d) => d.id).sort()).toEqual([...wanted].sort());
  });
});

describe("recordOutcomes", () => {
  it("does not overwrite a delivery whose lease another worker took over, but keeps the attempt", () => {
    const { deliveryId } = queueDelivery(db, { orgId, channelId });
    const now = Date.now();
    claimDueDeliveries(db, { owner: "slow", limit: 1, leaseMs: 10, now });
    claimDueDeliveries(db, { owner: "fast", limit: 1, leaseMs: 60_000, now: now + 20 });
    recordOutcomes(
      db,
      "slow",
      [{ kind: "attempt", deliveryId, channelId, channelType: "webhook", at: now, outcome: "failed", result: { ok: false, durationMs: 5, retryable: false, statusCode: 400, response: "x".repeat(5000) } }],
      { disableAfterMs: 1e9 },
    );
    expect(statusOf(deliveryId)).toMatchObject({ status: "sending", leaseOwner: "fast", attemptCount: 0 });
    const stored = db.$client.prepare("SELECT response FROM attempts WHERE delivery_id = ?").get(deliveryId) as { response: string };
    expect(Buffer.byteLength(stored.response)).toBe(2048);
  });

  it("writes a busy channel's last success at most once a second, and a failure at once", () => {
    const ids = queueMany(db, 4, { orgId, channelId });
    claimDueDeliveries(db, { owner: "a", limit: 4, leaseMs: 60_000 });
    const t = Date.now();
    const outcome = (i: number, at: number, ok = true) =>
      recordOutcomes(
        db,
        "a",
        [{ kind: "attempt", deliveryId: ids[i], channelId, channelType: "webhook", at, outcome: ok ? "delivered" : "failed", result: { ok, durationMs: 0, retryable: false, statusCode: ok ? 200 : 400, ...(ok ? {} : { error: "the receiver answered 400 Bad Request" }) } }],
        { disableAfterMs: 1e9 },
      );
    const channel = () => db.select().from(channels).where(eq(channels.id, channelId)).get()!;
    outcome(0, t);
    expect(channel().lastSuccessAt?.getTime()).toBe(t);
    outcome(1, t + 400);
    expect(channel().lastSuccessAt?.getTime()).toBe(t);
    outcome(2, t + 1_200);
    expect(channel().lastSuccessAt?.getTime()).toBe(t + 1_200);
    outcome(3, t + 1_300, false);
    expect(channel()).toMatchObject({ consecutiveFailures: 1, lastError: "the receiver answered 400 Bad Request" });
  });

  it("stores a batch of mixed outcomes: one attempt each with its own fields, each delivery moved on (batches of 64, 32, … rows)", () => {
    const ids = queueMany(db, 203, { orgId, channelId });
    claimDueDeliveries(db, { owner: "a", limit: 500, leaseMs: 60_000 });
    const outcomeOf = (i: number) => (i % 7 === 0 ? "retry" : i % 11 === 0 ? "dead" : "delivered") as "retry" | "dead" | "delivered";
    const at = Date.now();
    recordOutcomes(
      db,
      "a",
      ids.map((deliveryId, i) => {
        const ok = outcomeOf(i) === "delivered";
        return {
          kind: "attempt" as const,
          deliveryId,
          channelId,
          channelType: "webhook" as const,
          at: at + i,
          result: { ok, durationMs: i, statusCode: ok ? 200 : 503, retryable: !ok, response: `answer ${i}`, ...(ok ? {} : { error: `failure ${i}` }) },
          outcome: outcomeOf(i),
          ...(outcomeOf(i) === "retry" ? { nextAttemptAt: at + 60_000 } : {}),
        };
      }),
      { disableAfterMs: 3_600_000 },
    );
    const stored = db.select().from(attempts).all();
    expect(stored).toHaveLength(203);
    const byDelivery = new Map(stored.map((a) => [a.deliveryId, a]));
    ids.forEach((id, i) => {
      const attempt = byDelivery.get(id)!;
      expect(attempt).toMatchObject({ durationMs: i, outcome: outcomeOf(i), response: `answer ${i}`, error: outcomeOf(i) === "delivered" ? null : `failure ${i}` });
      expect(attempt.at.getTime()).toBe(at + i);
      const expected = { delivered: "delivered", retry: "queued", dead: "dead" }[outcomeOf(i)];
      expect(statusOf(id)).toMatchObject({ status: expected, attemptCount: 1, leaseOwner: null, lastError: outcomeOf(i) === "delivered" ? null : `failure ${i}` });
    });
  });

  it("a release hands an unsent delivery back, queued, without an attempt", () => {
    const ids = queueMany(db, 2, { orgId, channelId });
    claimDueDeliveries(db, { owner: "a", limit: 2, leaseMs: 60_000 });
    recordOutcomes(db, "a", ids.map((deliveryId) => ({ kind: "release" as const, deliveryId })), { disableAfterMs: 1e9 });
    const rows = db.select().from(deliveries).where(inArray(deliveries.id, ids)).all();
    expect(rows.map((r) => [r.status, r.leaseOwner, r.attemptCount])).toEqual([
      ["queued", null, 0],
      ["queued", null, 0],
    ]);
  });
});

describe("recordAndClaim", () => {
  it("writes outcomes and claims the next batch in one transaction, keeping neither when the claim fails", () => {
    const [first, second] = queueMany(db, 2, { orgId, channelId });
    claimDueDeliveries(db, { owner: "a", limit: 1, leaseMs: 60_000 });
    const outcome = { kind: "attempt" as const, deliveryId: first, channelId, channelType: "webhook" as const, at: Date.now(), outcome: "delivered" as const, result: { ok: true, durationMs: 3, retryable: false, statusCode: 200 } };
    db.$client.exec("CREATE TRIGGER refuse_claims BEFORE UPDATE OF status ON deliveries WHEN NEW.status = 'sending' BEGIN SELECT RAISE(ABORT, 'claims refused'); END");
    expect(() => recordAndClaim(db, [outcome], { owner: "a", limit: 10, leaseMs: 60_000, disableAfterMs: 1e9 })).toThrow(/claims refused/);
    expect(statusOf(first).status).toBe("sending");
    expect(db.select().from(attempts).all()).toHaveLength(0);

    db.$client.exec("DROP TRIGGER refuse_claims");
    const { claimed } = recordAndClaim(db, [outcome], { owner: "a", limit: 10, leaseMs: 60_000, disableAfterMs: 1e9 });
    expect(claimed.map((d) => d.id)).toEqual([second]);
    expect(statusOf(first).status).toBe("delivered");
    expect(db.select().from(attempts).all()).toHaveLength(1);
  });
});
