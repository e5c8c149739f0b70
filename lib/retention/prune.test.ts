import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { eq } from "drizzle-orm";
import { attempts, auditEntries, channelHourlyCounts, deliveries, deliveryEvents, events, inboxItems, orgs } from "@/db/schema";
import { DELIVERY_STATUSES } from "@/db/schema/values";
import { insertChannel } from "@/lib/dispatch/test-support";
import { newId } from "@/lib/ids";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { PRUNE_REST_RATIO, pruneOnce, restRatioAfter, writersActive } from "./prune";

/**
 * Retention keeps everything it must and deletes everything past the window:
 * a property over random histories (deliveries in every status and of every
 * age, events shared by several deliveries or by none, open digests, inbox
 * items, audit entries), pruned in small batches, against a model of the rule.
 */

const DAY = 24 * 3600 * 1000;
const NOW = Date.UTC(2026, 11, 5, 12);
const POLICY = { retentionDays: 30, auditRetentionDays: 365 };

let db: Db;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => closeTestDb(db));

const age = fc.integer({ min: 0, max: 400 });
const history = fc.record({
  events: fc.array(fc.record({ ageDays: age }), { minLength: 1, maxLength: 12 }),
  deliveries: fc.array(
    fc.record({
      ageDays: age,
      status: fc.constantFrom(...DELIVERY_STATUSES),
      digestOpen: fc.boolean(),
      events: fc.uniqueArray(fc.nat(11), { minLength: 1, maxLength: 3 }),
      attempts: fc.nat(3),
    }),
    { maxLength: 12 },
  ),
  inbox: fc.array(fc.record({ ageDays: age, event: fc.nat(11) }), { maxLength: 5 }),
  audit: fc.array(fc.record({ ageDays: fc.integer({ min: 0, max: 800 }) }), { maxLength: 6 }),
});

describe("pruneOnce", () => {
  it("keeps what it must and deletes everything past the window (random histories, batches of 3)", async () => {
    await fc.assert(
      fc.asyncProperty(history, async (h) => {
        await closeTestDb(db);
        db = await testDb();
        const { org, members } = await seedOrg(db, "acme");
        const channelId = await insertChannel(db, org.id, { type: "inbox" });
        const at = (days: number) => new Date(NOW - days * DAY - 1000);
        const eventIds = h.events.map((e) => newId("evt", at(e.ageDays).getTime()));
        for (const [i, e] of h.events.entries()) {
          const t = at(e.ageDays);
          await db
            .insert(events)
            .values({ id: eventIds[i], orgId: org.id, type: "x.y", severity: "info", title: `e${i}`, data: {}, occurredAt: t, receivedAt: t });
        }
        const deliveryIds: string[] = [];
        for (const [i, d] of h.deliveries.entries()) {
          const t = at(d.ageDays);
          const id = newId("dlv", t.getTime());
          deliveryIds.push(id);
          const open = d.status === "queued" && d.digestOpen;
          await db
            .insert(deliveries)
            .values({ id, orgId: org.id, channelId, status: d.status, digestKey: open ? `digest-${i}` : null, nextAttemptAt: t, createdAt: t, updatedAt: t });
          for (const e of new Set(d.events.map((n) => n % eventIds.length))) await db.insert(deliveryEvents).values({ deliveryId: id, eventId: eventIds[e] });
          for (let a = 0; a < d.attempts; a++) {
            await db.insert(attempts).values({ id: newId("att", t.getTime()), deliveryId: id, at: t, durationMs: 1, outcome: "retry" });
          }
        }
        for (const [i, item] of h.inbox.entries()) {
          const t = at(item.ageDays);
          await db
            .insert(inboxItems)
            .values({ id: `inb_${i}`, orgId: org.id, userId: members[0].id, channelId, eventId: eventIds[item.event % eventIds.length], createdAt: t })
            .onConflictDoNothing();
        }
        for (const a of h.audit) {
          const t = at(a.ageDays);
          await db
            .insert(auditEntries)
            .values({ id: newId("aud", t.getTime()), orgId: org.id, actorType: "system", actorLabel: "test", action: "x", targetType: "org", createdAt: t });
        }

        await pruneOnce(db, POLICY, { now: NOW, batch: 3, restRatio: 0 });

        // The model: a delivery goes when finished and past the window; an event when past the
        // window and no kept delivery or kept inbox item refers to it.
        const old = (days: number) => days >= POLICY.retentionDays;
        const keptDeliveries = h.deliveries
          .map((d, i) => (d.status === "queued" || d.status === "sending" || !old(d.ageDays) ? deliveryIds[i] : null))
          .filter(Boolean);
        const storedInbox = new Map<string, { ageDays: number; event: number }>();
        h.inbox.forEach((item, i) => {
          const key = `${eventIds[item.event % eventIds.length]}`;
          if (![...storedInbox.values()].some((s) => eventIds[s.event % eventIds.length] === key)) storedInbox.set(`inb_${i}`, item);
        });
        const keptInbox = [...storedInbox.entries()].filter(([, item]) => !old(item.ageDays)).map(([id]) => id);
        const referenced = new Set<string>();
        h.deliveries.forEach((d, i) => {
          if (keptDeliveries.includes(deliveryIds[i])) d.events.forEach((n) => referenced.add(eventIds[n % eventIds.length]));
        });
        for (const id of keptInbox) referenced.add(eventIds[storedInbox.get(id)!.event % eventIds.length]);
        const keptEvents = eventIds.filter((id, i) => !old(h.events[i].ageDays) || referenced.has(id));
        // `at` puts each row a second before its day count: N days old is past an N-day window.
        const keptAudit = h.audit.filter((a) => a.ageDays < POLICY.auditRetentionDays).length;

        const sorted = (ids: (string | null)[]) => [...ids].sort();
        expect(sorted((await db.select({ id: deliveries.id }).from(deliveries)).map((r) => r.id))).toEqual(sorted(keptDeliveries));
        expect(sorted((await db.select({ id: events.id }).from(events)).map((r) => r.id))).toEqual(sorted(keptEvents));
        expect(sorted((await db.select({ id: inboxItems.id }).from(inboxItems)).map((r) => r.id))).toEqual(sorted(keptInbox));
        expect(await db.select().from(auditEntries)).toHaveLength(keptAudit);
        // Nothing left behind: every attempt and link belongs to a kept delivery.
        const kept = new Set(keptDeliveries);
        for (const a of await db.select({ deliveryId: attempts.deliveryId }).from(attempts)) expect(kept.has(a.deliveryId)).toBe(true);
        for (const l of await db.select({ deliveryId: deliveryEvents.deliveryId }).from(deliveryEvents)) expect(kept.has(l.deliveryId)).toBe(true);
        const attemptsKept = h.deliveries.reduce((n, d, i) => n + (kept.has(deliveryIds[i]) ? d.attempts : 0), 0);
        expect(await db.select().from(attempts)).toHaveLength(attemptsKept);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it("keeps the channels' hourly counts eight days (the overview's 7-day chart), whatever the retention window", async () => {
    const { org } = await seedOrg(db, "acme");
    await db.update(orgs).set({ retentionDays: 1 }).where(eq(orgs.id, org.id));
    const channelId = await insertChannel(db, org.id, { type: "inbox" });
    const hour = 3600 * 1000;
    const hours = [1, 25, 49, 167, 191, 193, 240].map((h) => new Date(Math.floor(NOW / hour) * hour - h * hour));
    await db.insert(channelHourlyCounts).values(hours.map((h) => ({ channelId, hour: h, delivered: 1, failed: 0 })));
    await pruneOnce(db, POLICY, { now: NOW });
    const kept = (await db.select({ hour: channelHourlyCounts.hour }).from(channelHourlyCounts)).map((r) => r.hour.getTime()).sort();
    expect(kept).toEqual(
      hours
        .slice(0, 5)
        .map((h) => h.getTime())
        .sort(),
    );
  });

  it("reports what it deleted per table, and a second pass deletes nothing", async () => {
    const { org } = await seedOrg(db, "acme");
    const channelId = await insertChannel(db, org.id, { type: "inbox" });
    const t = new Date(NOW - 40 * DAY);
    for (let i = 0; i < 7; i++) {
      const eventId = newId("evt", t.getTime());
      const deliveryId = newId("dlv", t.getTime());
      await db.insert(events).values({ id: eventId, orgId: org.id, type: "x.y", severity: "info", title: "old", data: {}, occurredAt: t, receivedAt: t });
      await db.insert(deliveries).values({ id: deliveryId, orgId: org.id, channelId, status: "delivered", nextAttemptAt: t, createdAt: t, updatedAt: t });
      await db.insert(deliveryEvents).values({ deliveryId, eventId });
      await db.insert(attempts).values({ id: newId("att", t.getTime()), deliveryId, at: t, durationMs: 1, outcome: "delivered" });
    }
    expect(await pruneOnce(db, POLICY, { now: NOW, batch: 2, restRatio: 0 })).toEqual({
      deliveries: 7,
      attempts: 7,
      delivery_events: 7,
      inbox_items: 0,
      events: 7,
      audit_entries: 0,
    });
    expect(await pruneOnce(db, POLICY, { now: NOW, batch: 2, restRatio: 0 })).toEqual({
      deliveries: 0,
      attempts: 0,
      delivery_events: 0,
      inbox_items: 0,
      events: 0,
      audit_entries: 0,
    });
  });

  it("an org's shorter retention (Settings) applies to that org only; the instance's bounds every other", async () => {
    const short = await seedOrg(db, "short");
    const other = await seedOrg(db, "other");
    await db.update(orgs).set({ retentionDays: 7 }).where(eq(orgs.id, short.org.id));
    const t = new Date(NOW - 10 * DAY);
    const made: Record<string, string> = {};
    for (const { org } of [short, other]) {
      const channelId = await insertChannel(db, org.id, { type: "inbox" });
      const id = newId("dlv", t.getTime());
      await db.insert(deliveries).values({ id, orgId: org.id, channelId, status: "delivered", nextAttemptAt: t, createdAt: t, updatedAt: t });
      made[org.slug] = id;
    }
    expect((await pruneOnce(db, POLICY, { now: NOW })).deliveries).toBe(1);
    expect((await db.select({ id: deliveries.id }).from(deliveries)).map((r) => r.id)).toEqual([made.other]);
  });
});

describe("the pruner's pace", () => {
  const WALL = Date.now();
  const cutoff = new Date(WALL - 30 * DAY);

  async function oneEventAndAttempt(orgId: string, channelId: string, eventAt: number, attemptAt: number, eventId = newId("evt", eventAt)) {
    const t = new Date(eventAt);
    await db.insert(events).values({ id: eventId, orgId, type: "x.y", severity: "info", title: "e", data: {}, occurredAt: t, receivedAt: t });
    const deliveryId = newId("dlv", eventAt);
    await db.insert(deliveries).values({ id: deliveryId, orgId, channelId, status: "delivered", nextAttemptAt: t, createdAt: t, updatedAt: t });
    await db.insert(attempts).values({ id: newId("att", attemptAt), deliveryId, at: new Date(attemptAt), durationMs: 1, outcome: "delivered" });
  }

  it("is quiet when nothing was written in the last second, and busy as soon as an event or an attempt was", async () => {
    const { org } = await seedOrg(db, "acme");
    const channelId = await insertChannel(db, org.id, { type: "inbox" });
    await oneEventAndAttempt(org.id, channelId, WALL - 40 * DAY, WALL - 40 * DAY);
    await oneEventAndAttempt(org.id, channelId, WALL - 5_000, WALL - 5_000);
    expect(await writersActive(db, WALL)).toBe(false);
    expect(await restRatioAfter(db, cutoff, new Date(cutoff.getTime() - 3_600_000), WALL)).toBe(PRUNE_REST_RATIO.quiet);

    // An attempt written just now (a delivery's outcome) makes it busy, for a second.
    await oneEventAndAttempt(org.id, channelId, WALL - 40 * DAY, WALL - 200);
    expect(await writersActive(db, WALL)).toBe(true);
    expect(await restRatioAfter(db, cutoff, new Date(cutoff.getTime() - 3_600_000), WALL)).toBe(PRUNE_REST_RATIO.busy);
    expect(await writersActive(db, WALL + 1_500)).toBe(false);
  });

  it("counts an event just ingested as a writer, but not an id made before ids were time-ordered", async () => {
    const { org } = await seedOrg(db, "acme");
    const channelId = await insertChannel(db, org.id, { type: "inbox" });
    // Random ids sort anywhere, most of them far past any real time.
    await oneEventAndAttempt(org.id, channelId, WALL - 40 * DAY, WALL - 40 * DAY, "evt_zzzzzzzzzzzzzzzz");
    expect(await writersActive(db, WALL)).toBe(false);
    await oneEventAndAttempt(org.id, channelId, WALL - 10, WALL - 40 * DAY);
    expect(await writersActive(db, WALL)).toBe(true);
  });

  it("takes its fixed share, busy or not, once the backlog is more than a day past the window", async () => {
    const { org } = await seedOrg(db, "acme");
    const channelId = await insertChannel(db, org.id, { type: "inbox" });
    await oneEventAndAttempt(org.id, channelId, WALL - 100, WALL - 100);
    const overdue = new Date(cutoff.getTime() - 25 * 3600 * 1000);
    expect(await restRatioAfter(db, cutoff, overdue, WALL)).toBe(PRUNE_REST_RATIO.overdue);
    expect(await restRatioAfter(db, cutoff, new Date(cutoff.getTime() - 23 * 3600 * 1000), WALL)).toBe(PRUNE_REST_RATIO.busy);
    // The shares themselves: half the time when quiet, 0.5 % while writers write, 5 % when overdue.
    expect(1 / (1 + PRUNE_REST_RATIO.quiet)).toBe(0.5);
    expect(1 / (1 + PRUNE_REST_RATIO.busy)).toBe(0.005);
    expect(1 / (1 + PRUNE_REST_RATIO.overdue)).toBe(0.05);
  });
});
