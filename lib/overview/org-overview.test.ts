import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqliteOf, type Db } from "@/db/client";
import { channelHourlyCounts, channels, deliveries, deliveryEvents, events, products } from "@/db/schema";
import { insertChannel, queueDelivery } from "@/lib/dispatch/test-support";
import { newId } from "@/lib/ids";
import { closeTestDb, onPostgres, seedOrg, testDb } from "@/test/db";
import { deliveriesPerHour, hasDeliveries, orgOverview, queueDepth, unwellChannels } from "./org-overview";

// The org overview's figures (issue #20 item 7), seeded as rows and read back on either engine.
const HOUR = 3600 * 1000;
const NOW = Date.UTC(2026, 11, 5, 12, 40);
const THIS_HOUR = Date.UTC(2026, 11, 5, 12);
const hoursAgo = (h: number) => new Date(THIS_HOUR - h * HOUR);

let db: Db;
let orgId: string;
let otherOrgId: string;
beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  otherOrgId = (await seedOrg(db, "globex")).org.id;
});
afterEach(async () => {
  await closeTestDb(db);
});

describe("deliveries per hour", () => {
  it("adds up the org's channels per hour, one bucket for every hour of the range, and leaves other orgs and older hours out", async () => {
    const product = { id: newId("prd"), orgId, slug: "shop", name: "Shop" };
    await db.insert(products).values(product);
    const hook = await insertChannel(db, orgId, { type: "webhook", name: "hook" });
    const own = await insertChannel(db, orgId, { type: "slack", name: "shop slack", productId: product.id });
    const theirs = await insertChannel(db, otherOrgId, { type: "webhook", name: "their hook" });
    await db.insert(channelHourlyCounts).values([
      { channelId: hook, hour: hoursAgo(0), delivered: 5, failed: 1 },
      { channelId: own, hour: hoursAgo(0), delivered: 2, failed: 0 },
      { channelId: hook, hour: hoursAgo(5), delivered: 3, failed: 4 },
      { channelId: own, hour: hoursAgo(23), delivered: 1, failed: 0 },
      // Outside the last 24 h, inside the last 7 days.
      { channelId: hook, hour: hoursAgo(24), delivered: 100, failed: 10 },
      { channelId: own, hour: hoursAgo(167), delivered: 7, failed: 0 },
      // Outside both.
      { channelId: hook, hour: hoursAgo(168), delivered: 1000, failed: 1000 },
      { channelId: theirs, hour: hoursAgo(0), delivered: 50, failed: 50 },
    ]);

    const day = await deliveriesPerHour(db, orgId, "24h", NOW);
    expect(day.hours).toHaveLength(24);
    expect(day.since).toBe(hoursAgo(23).toISOString());
    expect(day.hours.at(-1)).toEqual({ hour: hoursAgo(0).toISOString(), delivered: 7, failed: 1 });
    expect(day.hours.at(-6)).toEqual({ hour: hoursAgo(5).toISOString(), delivered: 3, failed: 4 });
    expect(day.hours[0]).toEqual({ hour: hoursAgo(23).toISOString(), delivered: 1, failed: 0 });
    expect(day.hours.filter((h) => h.delivered || h.failed)).toHaveLength(3);
    expect({ delivered: day.delivered, failed: day.failed }).toEqual({ delivered: 11, failed: 5 });

    const week = await deliveriesPerHour(db, orgId, "7d", NOW);
    expect(week.hours).toHaveLength(168);
    expect(week.since).toBe(hoursAgo(167).toISOString());
    expect(week.hours[0]).toEqual({ hour: hoursAgo(167).toISOString(), delivered: 7, failed: 0 });
    expect(week.hours.at(-25)).toEqual({ hour: hoursAgo(24).toISOString(), delivered: 100, failed: 10 });
    expect({ delivered: week.delivered, failed: week.failed }).toEqual({ delivered: 118, failed: 15 });

    const empty = await deliveriesPerHour(db, (await seedOrg(db, "initech")).org.id, "24h", NOW);
    expect(empty.hours.every((h) => h.delivered === 0 && h.failed === 0)).toBe(true);
  });
});

describe("queue depth", () => {
  it("counts the org's queued (and of them the due) and sending deliveries, and names the oldest due", async () => {
    const hook = await insertChannel(db, orgId, { type: "webhook" });
    const theirs = await insertChannel(db, otherOrgId, { type: "webhook" });
    const oldest = new Date(NOW - 40 * 60 * 1000);
    await queueDelivery(db, { orgId, channelId: hook, nextAttemptAt: new Date(NOW - 5000) });
    await queueDelivery(db, { orgId, channelId: hook, nextAttemptAt: oldest });
    // A retry later, and a digest still collecting: queued, not due.
    await queueDelivery(db, { orgId, channelId: hook, nextAttemptAt: new Date(NOW + 300_000) });
    await queueDelivery(db, { orgId, channelId: hook, nextAttemptAt: new Date(NOW + 60_000), digestKey: "digest-1" });
    const sending = await queueDelivery(db, { orgId, channelId: hook, nextAttemptAt: new Date(NOW - 90 * 60 * 1000) });
    await db
      .update(deliveries)
      .set({ status: "sending", leasedUntil: new Date(NOW + 30_000) })
      .where(eq(deliveries.id, sending.deliveryId));
    for (const status of ["delivered", "failed", "dead"] as const) {
      const done = await queueDelivery(db, { orgId, channelId: hook, nextAttemptAt: new Date(NOW - 3 * HOUR) });
      await db.update(deliveries).set({ status }).where(eq(deliveries.id, done.deliveryId));
    }
    await queueDelivery(db, { orgId: otherOrgId, channelId: theirs, nextAttemptAt: new Date(NOW - 10 * HOUR) });

    expect(await queueDepth(db, orgId, NOW)).toEqual({ queued: 4, due: 2, sending: 1, oldestDueAt: oldest.toISOString() });
    expect(await queueDepth(db, (await seedOrg(db, "initech")).org.id, NOW)).toEqual({ queued: 0, due: 0, sending: 0, oldestDueAt: null });
  });

  it.skipIf(onPostgres())("reads the partial index of pending deliveries on SQLite, not the org's whole history", async () => {
    const sqlite = sqliteOf(db);
    const prepare = sqlite.prepare.bind(sqlite);
    const seen: string[] = [];
    sqlite.prepare = ((text: string) => {
      seen.push(text);
      return prepare(text);
    }) as typeof sqlite.prepare;
    try {
      await queueDepth(db, orgId, NOW);
    } finally {
      sqlite.prepare = prepare;
    }
    const plans = seen.map((text) => {
      const params = Array((text.match(/\?/g) ?? []).length).fill(null);
      return (prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[]).map((r) => r.detail).join("; ");
    });
    expect(plans).toHaveLength(2);
    for (const plan of plans) expect(plan).toMatch(/USING INDEX deliveries_due_idx/);
  });
});

describe("unwell channels", () => {
  it("lists the org's failing, disabled and throttled channels, the worst first, with the product that owns one", async () => {
    const product = { id: newId("prd"), orgId, slug: "shop", name: "Shop" };
    await db.insert(products).values(product);
    const ids = {
      healthy: await insertChannel(db, orgId, { type: "webhook", name: "a healthy" }),
      failing: await insertChannel(db, orgId, { type: "webhook", name: "b failing" }),
      throttled: await insertChannel(db, orgId, { type: "slack", name: "c throttled" }),
      disabled: await insertChannel(db, orgId, { type: "discord", name: "d disabled", productId: product.id }),
      theirs: await insertChannel(db, otherOrgId, { type: "webhook", name: "their failing" }),
    };
    const failingSince = new Date(NOW - 2 * HOUR);
    await db
      .update(channels)
      .set({ health: "failing", consecutiveFailures: 6, failingSince, lastError: "HTTP 500: upstream down", lastErrorAt: new Date(NOW - 60_000) })
      .where(eq(channels.id, ids.failing));
    await db.update(channels).set({ health: "throttled" }).where(eq(channels.id, ids.throttled));
    await db.update(channels).set({ health: "disabled", lastError: "HTTP 410: gone" }).where(eq(channels.id, ids.disabled));
    await db.update(channels).set({ health: "failing" }).where(eq(channels.id, ids.theirs));

    const unwell = await unwellChannels(db, orgId);
    expect(unwell.map((c) => [c.name, c.health])).toEqual([
      ["d disabled", "disabled"],
      ["b failing", "failing"],
      ["c throttled", "throttled"],
    ]);
    expect(unwell[0]).toMatchObject({ id: ids.disabled, type: "discord", product: { slug: "shop", name: "Shop" } });
    expect(unwell[1]).toMatchObject({
      id: ids.failing,
      product: null,
      consecutiveFailures: 6,
      failingSince: failingSince.toISOString(),
      lastErrorSentence: expect.stringMatching(/^HTTP 500: upstream down/),
      lastErrorAt: new Date(NOW - 60_000).toISOString(),
    });
  });
});

describe("the overview", () => {
  it("shows the ten newest events of the org, newest first, and says whether the org has delivered anything", async () => {
    const fresh = await orgOverview(db, orgId, { now: NOW });
    expect(fresh).toMatchObject({ hasDeliveries: false, latestEvents: [], unwell: [], queue: { queued: 0, sending: 0 } });
    expect(fresh.perHour.hours).toHaveLength(24);

    const at = (i: number) => new Date(NOW - (20 - i) * 60_000);
    const ids = Array.from({ length: 12 }, (_, i) => newId("evt", at(i).getTime()));
    await db.insert(events).values(
      ids.map((id, i) => ({
        id,
        orgId,
        type: "deployment.failed",
        severity: "error" as const,
        title: `Deploy ${i}`,
        data: {},
        occurredAt: at(i),
        receivedAt: at(i),
      })),
    );
    await db.insert(events).values({
      id: newId("evt"),
      orgId: otherOrgId,
      type: "deployment.failed",
      severity: "error",
      title: "Theirs",
      data: {},
      occurredAt: new Date(NOW),
      receivedAt: new Date(NOW),
    });
    const hook = await insertChannel(db, orgId, { type: "webhook" });
    const queued = await queueDelivery(db, { orgId, channelId: hook, nextAttemptAt: new Date(NOW - 1000) });
    // Its own event is older than the range; it also covers the newest one.
    await db
      .update(events)
      .set({ receivedAt: new Date(NOW - 30 * 24 * HOUR) })
      .where(eq(events.id, queued.eventIds[0]!));
    await db.insert(deliveryEvents).values({ deliveryId: queued.deliveryId, eventId: ids[11]! });

    const overview = await orgOverview(db, orgId, { range: "7d", now: NOW });
    expect(overview.hasDeliveries).toBe(true);
    expect(await hasDeliveries(db, otherOrgId)).toBe(false);
    expect(overview.perHour.hours).toHaveLength(168);
    expect(overview.latestEvents.map((e) => e.title)).toEqual([
      "Deploy 11",
      "Deploy 10",
      "Deploy 9",
      "Deploy 8",
      "Deploy 7",
      "Deploy 6",
      "Deploy 5",
      "Deploy 4",
      "Deploy 3",
      "Deploy 2",
    ]);
    expect(overview.latestEvents[0]).toMatchObject({ id: ids[11], deliveryCounts: { queued: 1 } });
    expect(overview.queue).toMatchObject({ queued: 1, due: 1 });
  });
});
