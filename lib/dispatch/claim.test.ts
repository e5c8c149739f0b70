import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq, inArray, sql } from "drizzle-orm";
import { closeDb, engineOf, sqliteOf, type Db } from "@/db/client";
import { attempts, channels, deliveries } from "@/db/schema";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { claimDueDeliveries, nextDueAt, recordAndClaim, renewLeases } from "./claim";
import { recordOutcomes } from "./outcomes";
import { errorChain, insertChannel, queueDelivery, queueMany, secondHandle } from "./test-support";

let db: Db;
let orgId: string;
let channelId: string;

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: "http://127.0.0.1:9/hook" } });
});

afterEach(async () => {
  await closeTestDb(db);
});

const statusOf = async (id: string) => (await db.select().from(deliveries).where(eq(deliveries.id, id)))[0]!;

/** Runs a DDL statement: SQLite and PostgreSQL write triggers differently. */
async function ddl(statements: { sqlite: string; postgres: string }) {
  if (engineOf(db) === "sqlite") sqliteOf(db).exec(statements.sqlite);
  else await db.execute(sql.raw(statements.postgres));
}

/** One webhook attempt's outcome for a delivery leased by worker "a": a 200, or a 400. */
const recordOneAttempt = (deliveryId: string, at: number, ok: boolean, durationMs: number) =>
  recordOutcomes(
    db,
    "a",
    [
      {
        kind: "attempt",
        deliveryId,
        channelId,
        channelType: "webhook",
        at,
        outcome: ok ? "delivered" : "failed",
        result: { ok, durationMs, retryable: false, statusCode: ok ? 200 : 400, ...(ok ? {} : { error: "the receiver answered 400 Bad Request" }) },
      },
    ],
    { disableAfterMs: 1e9 },
  );
const channelRow = async () => (await db.select().from(channels).where(eq(channels.id, channelId)))[0]!;

describe("claimDueDeliveries", () => {
  it("workers on two connections to one database, claiming at the same time, never claim the same delivery", async () => {
    const ids = await queueMany(db, 300, { orgId, channelId });
    const other = secondHandle(db);
    const seen = new Map<string, string>();
    try {
      for (let round = 0; round < 10; round++) {
        // Four claims at once, two per connection: on PostgreSQL they really overlap (FOR UPDATE SKIP LOCKED).
        const claims = await Promise.all(
          (
            [
              ["a", db],
              ["b", other],
              ["c", db],
              ["d", other],
            ] as const
          ).map(async ([owner, conn]) => [owner, await claimDueDeliveries(conn, { owner, limit: 17, leaseMs: 60_000 })] as const),
        );
        for (const [owner, claimed] of claims) {
          expect(claimed.length).toBeLessThanOrEqual(17);
          for (const d of claimed) {
            expect(seen.has(d.id), `${d.id} claimed twice`).toBe(false);
            seen.set(d.id, owner);
          }
        }
      }
    } finally {
      await closeDb(other);
    }
    expect(seen.size).toBe(300);
    expect(new Set(ids)).toEqual(new Set(seen.keys()));
    const rows = await db.select().from(deliveries);
    expect(rows).toHaveLength(300);
    expect(rows.every((r) => r.status === "sending" && r.leaseOwner === seen.get(r.id))).toBe(true);
  });

  it("claims the oldest due first, up to the limit", async () => {
    // Queued newest-due first, so neither insertion order nor ids give the answer.
    const base = Date.now() - 10_000;
    const ids: string[] = [];
    for (let i = 4; i >= 0; i--) ids[i] = (await queueDelivery(db, { orgId, channelId, nextAttemptAt: new Date(base + i * 1000) })).deliveryId;
    const first = await claimDueDeliveries(db, { owner: "a", limit: 3, leaseMs: 60_000 });
    expect(first.map((d) => d.id)).toEqual(ids.slice(0, 3));
    expect((await claimDueDeliveries(db, { owner: "a", limit: 3, leaseMs: 60_000 })).map((d) => d.id)).toEqual(ids.slice(3));
  });

  it("leaves deliveries that are not due yet, and claims them once due", async () => {
    const later = (await queueDelivery(db, { orgId, channelId, nextAttemptAt: new Date(Date.now() + 60_000) })).deliveryId;
    expect(await claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000 })).toHaveLength(0);
    expect((await claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000, now: Date.now() + 61_000 })).map((d) => d.id)).toEqual([later]);
  });

  it("reclaims a delivery whose lease expired (its worker died): at-least-once", async () => {
    const { deliveryId } = await queueDelivery(db, { orgId, channelId });
    const now = Date.now();
    const [claimed] = await claimDueDeliveries(db, { owner: "dead-worker", limit: 10, leaseMs: 1000, now });
    expect(claimed).toMatchObject({ id: deliveryId, leasedUntil: now + 1000, attemptCount: 0, isTest: false });
    expect(await claimDueDeliveries(db, { owner: "b", limit: 10, leaseMs: 1000, now: now + 500 })).toHaveLength(0);
    // Not while the claim is told to leave expired leases alone.
    expect(await claimDueDeliveries(db, { owner: "b", limit: 10, leaseMs: 1000, now: now + 1001, expiredLeases: false })).toHaveLength(0);
    const again = await claimDueDeliveries(db, { owner: "b", limit: 10, leaseMs: 1000, now: now + 1001 });
    expect(again.map((d) => d.id)).toEqual([deliveryId]);
    expect(await statusOf(deliveryId)).toMatchObject({ status: "sending", leaseOwner: "b" });
  });

  it("skips deliveries of a disabled channel (health or switch): they wait, queued", async () => {
    const { deliveryId } = await queueDelivery(db, { orgId, channelId });
    await db.update(channels).set({ health: "disabled" }).where(eq(channels.id, channelId));
    expect(await claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000 })).toHaveLength(0);
    await db.update(channels).set({ health: "healthy", enabled: false }).where(eq(channels.id, channelId));
    expect(await claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000 })).toHaveLength(0);
    expect((await statusOf(deliveryId)).status).toBe("queued");
    await db.update(channels).set({ enabled: true }).where(eq(channels.id, channelId));
    expect(await claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000 })).toHaveLength(1);
  });

  it("a digest is claimed when its window closes, and its digest key is cleared so new events open a new digest", async () => {
    const windowEnd = Date.now() + 60_000;
    const { deliveryId } = await queueDelivery(db, { orgId, channelId, nextAttemptAt: new Date(windowEnd), digestKey: "ch/rule/window-1" });
    expect(await claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000 })).toHaveLength(0);
    expect((await statusOf(deliveryId)).digestKey).toBe("ch/rule/window-1");
    expect(await claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000, now: windowEnd })).toHaveLength(1);
    expect((await statusOf(deliveryId)).digestKey).toBeNull();
    // Closed once: a new delivery may take the same key (the unique index would refuse it otherwise).
    const next = await queueDelivery(db, { orgId, channelId, nextAttemptAt: new Date(windowEnd), digestKey: "ch/rule/window-1" });
    expect((await statusOf(next.deliveryId)).digestKey).toBe("ch/rule/window-1");
  });

  it("skips channels the worker asks it to skip (its own backlog for them is full)", async () => {
    const other = await insertChannel(db, orgId, { type: "webhook", settings: { url: "http://127.0.0.1:9/x" } });
    await queueMany(db, 5, { orgId, channelId });
    const wanted = await queueMany(db, 2, { orgId, channelId: other });
    const claimed = await claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000, skipChannels: [channelId] });
    expect(claimed.map((d) => d.id).sort()).toEqual([...wanted].sort());
  });

  it("onlyIds claims the named deliveries and nothing else", async () => {
    const ids = await queueMany(db, 4, { orgId, channelId });
    const claimed = await claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 1000, onlyIds: [ids[1], ids[3]] });
    expect(claimed.map((d) => d.id)).toEqual([ids[1], ids[3]]);
    expect((await statusOf(ids[0])).status).toBe("queued");
  });
});

describe("nextDueAt and renewLeases", () => {
  it("nextDueAt: nothing pending → null; else the earliest retry, digest window or lease end, skipping disabled channels", async () => {
    expect(await nextDueAt(db)).toBeNull();
    const t = Date.now() + 60_000;
    await queueDelivery(db, { orgId, channelId, nextAttemptAt: new Date(t + 5_000) });
    await queueDelivery(db, { orgId, channelId, nextAttemptAt: new Date(t) });
    expect(await nextDueAt(db)).toBe(t);
    await db.update(channels).set({ enabled: false }).where(eq(channels.id, channelId));
    expect(await nextDueAt(db)).toBeNull();
    await db.update(channels).set({ enabled: true }).where(eq(channels.id, channelId));
    const now = Date.now();
    await queueDelivery(db, { orgId, channelId, nextAttemptAt: new Date(now) });
    expect(await claimDueDeliveries(db, { owner: "a", limit: 10, leaseMs: 30_000, now })).toHaveLength(1);
    expect(await nextDueAt(db)).toBe(now + 30_000);
  });

  it("renewLeases extends this worker's leases only, and never shortens one", async () => {
    await queueMany(db, 2, { orgId, channelId });
    const now = Date.now();
    const [{ id: mine }] = await claimDueDeliveries(db, { owner: "a", limit: 1, leaseMs: 1_000, now });
    const [{ id: theirs }] = await claimDueDeliveries(db, { owner: "b", limit: 1, leaseMs: 1_000, now });
    expect(await renewLeases(db, "a", 60_000, now)).toBe(1);
    expect((await statusOf(mine)).leasedUntil?.getTime()).toBe(now + 60_000);
    expect((await statusOf(theirs)).leasedUntil?.getTime()).toBe(now + 1_000);
    expect(await renewLeases(db, "a", 30_000, now)).toBe(0);
    expect((await statusOf(mine)).leasedUntil?.getTime()).toBe(now + 60_000);
  });
});

describe("recordOutcomes", () => {
  it("does not overwrite a delivery whose lease another worker took over, but keeps the attempt", async () => {
    const { deliveryId } = await queueDelivery(db, { orgId, channelId });
    const now = Date.now();
    await claimDueDeliveries(db, { owner: "slow", limit: 1, leaseMs: 10, now });
    await claimDueDeliveries(db, { owner: "fast", limit: 1, leaseMs: 60_000, now: now + 20 });
    await recordOutcomes(
      db,
      "slow",
      [
        {
          kind: "attempt",
          deliveryId,
          channelId,
          channelType: "webhook",
          at: now,
          outcome: "failed",
          result: { ok: false, durationMs: 5, retryable: false, statusCode: 400, response: "x".repeat(5000) },
        },
      ],
      { disableAfterMs: 1e9 },
    );
    expect(await statusOf(deliveryId)).toMatchObject({ status: "sending", leaseOwner: "fast", attemptCount: 0 });
    const stored = await db.select({ response: attempts.response }).from(attempts).where(eq(attempts.deliveryId, deliveryId));
    expect(stored).toHaveLength(1);
    expect(Buffer.byteLength(stored[0].response!)).toBe(2048);
  });

  it("writes a busy channel's last success at most once a second, and a failure at once", async () => {
    const ids = await queueMany(db, 4, { orgId, channelId });
    await claimDueDeliveries(db, { owner: "a", limit: 4, leaseMs: 60_000 });
    const t = Date.now();
    const outcome = (i: number, at: number, ok = true) => recordOneAttempt(ids[i], at, ok, 0);
    await outcome(0, t);
    expect((await channelRow()).lastSuccessAt?.getTime()).toBe(t);
    await outcome(1, t + 400);
    expect((await channelRow()).lastSuccessAt?.getTime()).toBe(t);
    await outcome(2, t + 1_200);
    expect((await channelRow()).lastSuccessAt?.getTime()).toBe(t + 1_200);
    await outcome(3, t + 1_300, false);
    expect(await channelRow()).toMatchObject({ consecutiveFailures: 1, lastError: "the receiver answered 400 Bad Request" });
    expect((await channelRow()).lastErrorAt?.getTime()).toBe(t + 1_300);
  });

  it("writes the channel's last attempt with its health, and keeps it when an older attempt changes only the health", async () => {
    const ids = await queueMany(db, 3, { orgId, channelId });
    await claimDueDeliveries(db, { owner: "a", limit: 3, leaseMs: 60_000 });
    const t = Date.now();
    const outcome = (i: number, at: number, ok: boolean) => recordOneAttempt(ids[i], at, ok, 7);
    await outcome(0, t, true);
    expect(await channelRow()).toMatchObject({ lastAttemptOutcome: "delivered", lastAttemptStatusCode: 200, lastAttemptDurationMs: 7 });
    expect((await channelRow()).lastAttemptAt?.getTime()).toBe(t);
    // Answered after the one above but started before it: the health changes, the last attempt stays.
    await outcome(1, t - 500, false);
    expect(await channelRow()).toMatchObject({ consecutiveFailures: 1, lastAttemptOutcome: "delivered", lastAttemptStatusCode: 200 });
    expect((await channelRow()).lastAttemptAt?.getTime()).toBe(t);
    await outcome(2, t + 100, false);
    expect(await channelRow()).toMatchObject({ consecutiveFailures: 2, lastAttemptOutcome: "failed", lastAttemptStatusCode: 400 });
    expect((await channelRow()).lastAttemptAt?.getTime()).toBe(t + 100);
  });

  it("stores a batch of mixed outcomes: one attempt each with its own fields, each delivery moved on (batches of 64, 32, … rows)", async () => {
    const ids = await queueMany(db, 203, { orgId, channelId });
    await claimDueDeliveries(db, { owner: "a", limit: 500, leaseMs: 60_000 });
    const outcomeOf = (i: number) => (i % 7 === 0 ? "retry" : i % 11 === 0 ? "dead" : "delivered") as "retry" | "dead" | "delivered";
    const at = Date.now();
    await recordOutcomes(
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
    const stored = await db.select().from(attempts);
    expect(stored).toHaveLength(203);
    const byDelivery = new Map(stored.map((a) => [a.deliveryId, a]));
    const rows = new Map((await db.select().from(deliveries)).map((d) => [d.id, d]));
    ids.forEach((id, i) => {
      const attempt = byDelivery.get(id)!;
      expect(attempt).toMatchObject({
        durationMs: i,
        outcome: outcomeOf(i),
        response: `answer ${i}`,
        error: outcomeOf(i) === "delivered" ? null : `failure ${i}`,
      });
      expect(attempt.at.getTime()).toBe(at + i);
      const expected = { delivered: "delivered", retry: "queued", dead: "dead" }[outcomeOf(i)];
      expect(rows.get(id)).toMatchObject({
        status: expected,
        attemptCount: 1,
        leaseOwner: null,
        lastError: outcomeOf(i) === "delivered" ? null : `failure ${i}`,
      });
      if (outcomeOf(i) === "retry") expect(rows.get(id)!.nextAttemptAt.getTime()).toBe(at + 60_000);
      if (outcomeOf(i) === "delivered") expect(rows.get(id)!.deliveredAt).toBeInstanceOf(Date);
    });
  });

  it("a release hands an unsent delivery back, queued, without an attempt", async () => {
    const ids = await queueMany(db, 2, { orgId, channelId });
    await claimDueDeliveries(db, { owner: "a", limit: 2, leaseMs: 60_000 });
    await recordOutcomes(
      db,
      "a",
      ids.map((deliveryId) => ({ kind: "release" as const, deliveryId })),
      { disableAfterMs: 1e9 },
    );
    const rows = await db.select().from(deliveries).where(inArray(deliveries.id, ids)).orderBy(deliveries.id);
    expect(rows.map((r) => [r.status, r.leaseOwner, r.attemptCount])).toEqual([
      ["queued", null, 0],
      ["queued", null, 0],
    ]);
    expect(await db.select().from(attempts)).toHaveLength(0);
  });
});

describe("recordAndClaim", () => {
  it("writes outcomes and claims the next batch in one transaction, keeping neither when the claim fails", async () => {
    const [first, second] = await queueMany(db, 2, { orgId, channelId });
    await claimDueDeliveries(db, { owner: "a", limit: 1, leaseMs: 60_000 });
    const outcome = {
      kind: "attempt" as const,
      deliveryId: first,
      channelId,
      channelType: "webhook" as const,
      at: Date.now(),
      outcome: "delivered" as const,
      result: { ok: true, durationMs: 3, retryable: false, statusCode: 200 },
    };
    await ddl({
      sqlite: "CREATE TRIGGER refuse_claims BEFORE UPDATE OF status ON deliveries WHEN NEW.status = 'sending' BEGIN SELECT RAISE(ABORT, 'claims refused'); END",
      postgres: `CREATE FUNCTION refuse_claims() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'claims refused'; END $$;
                 CREATE TRIGGER refuse_claims BEFORE UPDATE OF status ON deliveries FOR EACH ROW WHEN (NEW.status = 'sending') EXECUTE FUNCTION refuse_claims()`,
    });
    const failure = await recordAndClaim(db, [outcome], { owner: "a", limit: 10, leaseMs: 60_000, disableAfterMs: 1e9 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(errorChain(failure)).toMatch(/claims refused/);
    expect((await statusOf(first)).status).toBe("sending");
    expect((await statusOf(second)).status).toBe("queued");
    expect(await db.select().from(attempts)).toHaveLength(0);

    await ddl({ sqlite: "DROP TRIGGER refuse_claims", postgres: "DROP TRIGGER refuse_claims ON deliveries; DROP FUNCTION refuse_claims()" });
    const { claimed } = await recordAndClaim(db, [outcome], { owner: "a", limit: 10, leaseMs: 60_000, disableAfterMs: 1e9 });
    expect(claimed.map((d) => d.id)).toEqual([second]);
    expect((await statusOf(first)).status).toBe("delivered");
    expect(await db.select().from(attempts)).toHaveLength(1);
  });
});
