import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels, deliveries, deliveryEvents, events, floodCounts, inboxItems, products } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { dispatchOnce } from "@/lib/dispatch/run";
import { insertChannel, startReceiver } from "@/lib/dispatch/test-support";
import { ingestEvents } from "@/lib/events/ingest";
import { pruneOnce } from "@/lib/retention/prune";
import { createRule } from "@/lib/rules/queries";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { floodVerdict, floodWindow } from "./flood";

/**
 * Flood control (issue #24 item 2), through ingest and the dispatcher on the
 * test's engine (SQLite, or PostgreSQL under vitest.postgres.config.mts), with
 * real loopback receivers: past a channel's limit, one source's notifications
 * become one summary per window until a whole window stays within it; the first
 * time, `channel.flooded` goes to the other channels, never the flooded one.
 */
process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_LOG_LEVEL = "silent";

const MINUTES = 5;
const WINDOW_MS = MINUTES * 60_000;
let db: Db;
let orgId: string;
let ops: Awaited<ReturnType<typeof startReceiver>>;
let pager: Awaited<ReturnType<typeof startReceiver>>;
const ids: Record<string, string> = {};
// An aligned window an hour ago: its summaries are due by the time the test dispatches.
const base = floodWindow(MINUTES, Date.now() - 3_600_000).start;

const post = (count: number, at: number, product = "web-shop") =>
  ingestEvents(
    db,
    orgId,
    Array.from({ length: count }, (_, i) => ({ type: "deployment.failed", product, severity: "error" as const, title: `${product} deploy ${i + 1} failed` })),
    { indexed: true, now: at },
  );
const deliveriesOf = (channelId: string) => db.select().from(deliveries).where(eq(deliveries.channelId, channelId));
const floodedEvents = () =>
  db
    .select()
    .from(events)
    .where(and(eq(events.orgId, orgId), eq(events.type, "channel.flooded")));
const bodies = (r: typeof ops) => r.received.flatMap((q) => JSON.parse(q.body) as { type: string; title: string; data: Record<string, unknown> }[]);

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  await db.insert(products).values([
    { id: "prd_shop", orgId, slug: "web-shop", name: "Web shop" },
    { id: "prd_api", orgId, slug: "api", name: "API" },
  ]);
  ops = await startReceiver();
  pager = await startReceiver();
  ids.ops = await insertChannel(db, orgId, { type: "webhook", name: "ops", settings: { url: ops.url, format: "array" } });
  ids.pager = await insertChannel(db, orgId, { type: "webhook", name: "pager", settings: { url: pager.url, format: "array" } });
  await db.update(channels).set({ floodLimit: 3, floodMinutes: MINUTES }).where(eq(channels.id, ids.ops));
  await createRule(db, orgId, SYSTEM_ACTOR, {
    name: "Everything",
    product: null,
    products: [],
    eventTypes: ["deployment.failed", "channel.flooded"],
    severities: ["debug", "info", "warning", "error", "critical", "alert"],
    channels: [ids.ops, ids.pager],
    mode: "immediate",
    digestMinutes: null,
    splitByProduct: false,
    enabled: true,
  });
});
afterEach(async () => {
  await ops.close();
  await pager.close();
  await closeTestDb(db);
});

describe("flood control", () => {
  it("past the limit, one source's notifications become one summary at the window's end; other sources and channels are untouched", async () => {
    await post(8, base + 1_000); // one batch: the PostgreSQL path counts it with one upsert
    await post(2, base + 2_000, "api");

    const ops1 = await deliveriesOf(ids.ops);
    const summaries = ops1.filter((d) => d.floodMinutes === MINUTES);
    expect(summaries).toHaveLength(1);
    expect(summaries[0].nextAttemptAt.getTime()).toBe(base + WINDOW_MS);
    const summarized = await db.select().from(deliveryEvents).where(eq(deliveryEvents.deliveryId, summaries[0].id));
    expect(summarized).toHaveLength(5);
    // 3 of web-shop at once, 2 of the API (another source), and the summary.
    expect(ops1.filter((d) => !d.digestKey)).toHaveLength(5);
    // The channel without a limit got all ten, and the notice.
    expect((await deliveriesOf(ids.pager)).length).toBe(11);

    const [notice, ...more] = await floodedEvents();
    expect(more).toHaveLength(0);
    expect(notice.data).toMatchObject({ channel: "ops", product: "Web shop", limit: 3, minutes: MINUTES });
    const noticeTargets = await db
      .select({ channelId: deliveries.channelId })
      .from(deliveries)
      .innerJoin(deliveryEvents, eq(deliveryEvents.deliveryId, deliveries.id))
      .where(eq(deliveryEvents.eventId, notice.id));
    expect(noticeTargets.map((t) => t.channelId)).toEqual([ids.pager]);

    await dispatchOnce(db, { deadlineMs: 20_000 });
    const got = bodies(ops);
    const summary = got.filter((e) => e.type === "flood.summary");
    expect(summary).toHaveLength(1);
    expect(summary[0].title).toBe("5 more events from Web shop in the last 5 minutes");
    expect(summary[0].data).toMatchObject({ count: 5, product: "web-shop", types: { "deployment.failed": 5 } });
    // One batch: the events share their time, so "latest" holds these five in any order.
    expect([...(summary[0].data.latest as string[])].sort()).toEqual([
      "web-shop deploy 4 failed",
      "web-shop deploy 5 failed",
      "web-shop deploy 6 failed",
      "web-shop deploy 7 failed",
      "web-shop deploy 8 failed",
    ]);
    expect(
      got
        .filter((e) => e.type === "deployment.failed")
        .map((e) => e.title)
        .sort(),
    ).toEqual(["api deploy 1 failed", "api deploy 2 failed", "web-shop deploy 1 failed", "web-shop deploy 2 failed", "web-shop deploy 3 failed"].sort());
    expect(got.some((e) => e.type === "channel.flooded")).toBe(false);
    expect(bodies(pager).filter((e) => e.type === "channel.flooded")).toHaveLength(1);
  });

  // CI (PostgreSQL e2e, at a window's end): the summary's stand-in event id is the delivery's, so the
  // inbox row it made broke its foreign key, and the failing write blocked every later claim.
  it("a flooded inbox channel gets the summarized events themselves, and the dispatcher carries on", async () => {
    const inbox = await insertChannel(db, orgId, { type: "inbox", name: "inbox", settings: {} });
    await db.update(channels).set({ floodLimit: 3, floodMinutes: MINUTES }).where(eq(channels.id, inbox));
    await db.update(channels).set({ floodLimit: null }).where(eq(channels.id, ids.ops));
    await createRule(db, orgId, SYSTEM_ACTOR, {
      name: "Inbox",
      product: null,
      products: [],
      eventTypes: ["deployment.failed"],
      severities: ["error"],
      channels: [inbox],
      mode: "immediate",
      digestMinutes: null,
      splitByProduct: false,
      enabled: true,
    });
    await post(8, base + 1_000);
    expect((await deliveriesOf(inbox)).filter((d) => d.floodMinutes === MINUTES)).toHaveLength(1);

    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect((await deliveriesOf(inbox)).map((d) => d.status)).toEqual(Array(4).fill("delivered"));
    const items = await db.select({ eventId: inboxItems.eventId }).from(inboxItems).where(eq(inboxItems.channelId, inbox));
    expect(new Set(items.map((i) => i.eventId)).size).toBe(8);
    // Ingested after the summary was written: still delivered.
    await post(1, Date.now(), "api");
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect((await deliveriesOf(ids.ops)).every((d) => d.status === "delivered")).toBe(true);
  });

  it("the flood lasts until a whole window stays within the limit, and the notice comes once per flood", async () => {
    await post(4, base + 1_000); // over: the 4th is summarized, the notice goes out
    await post(1, base + WINDOW_MS + 1_000); // the next window: still flooded (the one before went over)
    await post(2, base + 2 * WINDOW_MS + 1_000); // the one before stayed within: sent at once again
    await post(4, base + 3 * WINDOW_MS + 1_000); // a new flood: a second notice

    const ops1 = await deliveriesOf(ids.ops);
    const summaryWindows = ops1.filter((d) => d.floodMinutes !== null).map((d) => d.nextAttemptAt.getTime() - base);
    expect(summaryWindows.sort((a, b) => a - b)).toEqual([WINDOW_MS, 2 * WINDOW_MS, 4 * WINDOW_MS]);
    expect(ops1.filter((d) => !d.digestKey)).toHaveLength(3 + 2 + 3);
    expect(await floodedEvents()).toHaveLength(2);
  });

  it("a channel with flood control off sends everything and counts nothing", async () => {
    await db.update(channels).set({ floodLimit: null }).where(eq(channels.id, ids.ops));
    await post(6, base + 1_000);
    expect((await deliveriesOf(ids.ops)).filter((d) => d.digestKey)).toHaveLength(0);
    expect(await db.select().from(floodCounts)).toHaveLength(0);
    expect(await floodedEvents()).toHaveLength(0);
  });

  it("counts are pruned after three days", async () => {
    await post(1, Date.now() - 4 * 86_400_000);
    await post(1, Date.now());
    expect(await db.select().from(floodCounts)).toHaveLength(2);
    await pruneOnce(db, { retentionDays: 30, auditRetentionDays: 365 });
    const left = await db
      .select()
      .from(floodCounts)
      .where(inArray(floodCounts.channelId, [ids.ops]));
    expect(left).toHaveLength(1);
  });
});

describe("floodVerdict", () => {
  it("summarizes past the limit and while the window before went over; starts once", () => {
    expect(floodVerdict(3, 0, 3)).toEqual({ summarize: false, started: false });
    expect(floodVerdict(4, 0, 3)).toEqual({ summarize: true, started: true });
    expect(floodVerdict(5, 0, 3)).toEqual({ summarize: true, started: false });
    expect(floodVerdict(1, 4, 3)).toEqual({ summarize: true, started: false });
    expect(floodVerdict(4, 4, 3)).toEqual({ summarize: true, started: false });
    expect(floodVerdict(1, 3, 3)).toEqual({ summarize: false, started: false });
  });
});
