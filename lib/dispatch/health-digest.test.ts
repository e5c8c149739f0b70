import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels, deliveries, events, products, ruleChannels, rules, type Severity } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { ingestEvents } from "@/lib/events/ingest";
import { newId } from "@/lib/ids";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { enableChannel, retryDelivery } from "./manual";
import { dispatchOnce, startDispatcher, type RunningDispatcher } from "./run";
import { insertChannel, queueMany, startReceiver, waitFor, type Reply } from "./test-support";

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_RETRY_SCHEDULE = "60";

const ALL: Severity[] = ["debug", "info", "warning", "error", "critical", "alert"];

let db: Db;
let orgId: string;
let worker: RunningDispatcher | undefined;
const receivers: Awaited<ReturnType<typeof startReceiver>>[] = [];

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await closeTestDb(db);
});

async function receiver(reply: (n: number) => Reply) {
  const r = await startReceiver((_req, n) => reply(n));
  receivers.push(r);
  return r;
}

async function rule(
  channelIds: string[],
  options: { eventTypes: string[] | "all"; mode?: "immediate" | "digest"; digestMinutes?: number; splitByProduct?: boolean },
) {
  const id = newId("rul");
  await db.insert(rules).values({
    id,
    orgId,
    name: `rule ${id}`,
    eventTypes: options.eventTypes,
    severities: ALL,
    mode: options.mode ?? "immediate",
    digestMinutes: options.digestMinutes ?? null,
    splitByProduct: options.splitByProduct ?? false,
  });
  for (const channelId of channelIds) await db.insert(ruleChannels).values({ ruleId: id, channelId });
  return id;
}

const channelOf = async (id: string) => (await db.select().from(channels).where(eq(channels.id, id)))[0]!;

describe("channel health", () => {
  it("5 failures → failing, and integration.unhealthy reaches the owners through a second channel", async () => {
    const broken = await receiver(() => ({ status: 400 }));
    const owners = await receiver(() => ({ status: 200 }));
    const failing = await insertChannel(db, orgId, { type: "webhook", name: "Broken hook", settings: { url: broken.url, format: "event" } });
    const ownersChannel = await insertChannel(db, orgId, { type: "webhook", name: "Owners", settings: { url: owners.url, format: "event" } });
    await rule([ownersChannel], { eventTypes: ["integration.unhealthy"] });
    await queueMany(db, 4, { orgId, channelId: failing });

    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect(await channelOf(failing)).toMatchObject({ health: "healthy", consecutiveFailures: 4 });
    expect(owners.received).toHaveLength(0);

    await queueMany(db, 1, { orgId, channelId: failing });
    worker = startDispatcher({ db, pollMs: 100 });
    await waitFor(() => owners.received.length === 1, 30_000, "the integration.unhealthy message");
    expect(await channelOf(failing)).toMatchObject({ health: "failing", consecutiveFailures: 5 });
    expect((await channelOf(failing)).lastError).toMatch(/400/);
    const event = JSON.parse(owners.received[0].body);
    expect(event).toMatchObject({ type: "integration.unhealthy", severity: "error", title: 'Channel "Broken hook" is failing' });
    expect(event.data).toMatchObject({ channelId: failing, health: "failing", previousHealth: "healthy", consecutiveFailures: 5 });
    // Only the change raises it: a 6th failure does not.
    await queueMany(db, 1, { orgId, channelId: failing });
    await waitFor(() => broken.received.length === 6, 30_000, "the 6th attempt");
    await worker.stop();
    worker = undefined;
    expect(owners.received).toHaveLength(1);
    expect(await db.select().from(events).where(eq(events.type, "integration.unhealthy"))).toHaveLength(1);
  }, 90_000);

  it("a success returns a failing channel to healthy", async () => {
    const flaky = await receiver((n) => ({ status: n < 5 ? 400 : 200 }));
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: flaky.url } });
    await queueMany(db, 5, { orgId, channelId });
    await dispatchOnce(db, { deadlineMs: 20_000, concurrency: 1 });
    expect((await channelOf(channelId)).health).toBe("failing");
    await queueMany(db, 1, { orgId, channelId });
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect(await channelOf(channelId)).toMatchObject({ health: "healthy", consecutiveFailures: 0, lastSuccessAt: expect.any(Date) });
  });

  it("410 disables the channel; its deliveries then wait; re-enable → they go out", async () => {
    let gone = true;
    const endpoint = await receiver(() => ({ status: gone ? 410 : 200 }));
    const owners = await receiver(() => ({ status: 200 }));
    const channelId = await insertChannel(db, orgId, { type: "webhook", name: "Old hook", settings: { url: endpoint.url } });
    const ownersChannel = await insertChannel(db, orgId, { type: "webhook", settings: { url: owners.url, format: "event" } });
    await rule([ownersChannel], { eventTypes: ["integration.unhealthy"] });
    await queueMany(db, 1, { orgId, channelId });

    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect((await channelOf(channelId)).health).toBe("disabled");
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect(JSON.parse(owners.received[0].body)).toMatchObject({
      type: "integration.unhealthy",
      title: 'Channel "Old hook" was disabled: the receiver answered 410 Gone',
      data: { health: "disabled" },
    });

    const waiting = await queueMany(db, 3, { orgId, channelId });
    expect(await dispatchOnce(db, { deadlineMs: 2_000 })).toMatchObject({ claimed: 0 });
    expect(endpoint.received).toHaveLength(1);

    gone = false;
    expect(await enableChannel(db, orgId, SYSTEM_ACTOR, channelId)).toMatchObject({ health: "healthy", waitingDeliveries: 3 });
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect(endpoint.received).toHaveLength(4);
    for (const id of waiting) expect((await db.select().from(deliveries).where(eq(deliveries.id, id)))[0].status).toBe("delivered");
  });
});

describe("digests", () => {
  async function ingestIntoClosedWindow(items: { type: string; title: string; product?: string }[]) {
    // Ingested "one window ago", so the 1-minute window is already closed and due now.
    await ingestEvents(db, orgId, items, { indexed: true, now: Date.now() - 61_000 });
  }

  it("30 events within a window arrive as one message", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: hook.url, format: "array" } });
    await rule([channelId], { eventTypes: "all", mode: "digest", digestMinutes: 1 });
    await ingestIntoClosedWindow(Array.from({ length: 30 }, (_, i) => ({ type: "billing.credits_low", title: `Credits low ${i}` })));
    expect(await db.select().from(deliveries)).toHaveLength(1);

    expect(await dispatchOnce(db, { deadlineMs: 20_000 })).toMatchObject({ delivered: 1 });
    expect(hook.received).toHaveLength(1);
    const payload = JSON.parse(hook.received[0].body) as { title: string }[];
    expect(payload).toHaveLength(30);
    expect(new Set(payload.map((e) => e.title)).size).toBe(30);
  });

  it("split by product: 3 messages, one per product", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    for (const slug of ["web", "api", "ops"]) await db.insert(products).values({ id: newId("prd"), orgId, slug, name: slug.toUpperCase() });
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: hook.url, format: "envelope" } });
    await rule([channelId], { eventTypes: "all", mode: "digest", digestMinutes: 1, splitByProduct: true });
    await ingestIntoClosedWindow(
      Array.from({ length: 30 }, (_, i) => ({ type: "deployment.failed", title: `Deploy ${i}`, product: ["web", "api", "ops"][i % 3] })),
    );

    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect(hook.received).toHaveLength(3);
    const envelopes = hook.received.map((r) => JSON.parse(r.body) as { tenant: string; alertCount: number });
    expect(envelopes.map((e) => [e.tenant, e.alertCount]).sort()).toEqual([
      ["api", 10],
      ["ops", 10],
      ["web", 10],
    ]);
  });

  it("a digest whose window is still open is not sent; events after it closes open a new digest", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: hook.url } });
    await rule([channelId], { eventTypes: "all", mode: "digest", digestMinutes: 60 });
    await ingestEvents(db, orgId, [{ type: "billing.credits_low", title: "one" }], { indexed: true });
    expect(await dispatchOnce(db, { deadlineMs: 1_000 })).toMatchObject({ claimed: 0 });
    const [open] = await db.select().from(deliveries);
    expect(open.digestKey).not.toBeNull();
    // Retry cannot send a digest early.
    await expect(retryDelivery(db, orgId, SYSTEM_ACTOR, open.id)).rejects.toThrow(/still collecting events/);

    // Close the window, then claim it: the key is cleared, so the next event starts a new digest.
    await db
      .update(deliveries)
      .set({ nextAttemptAt: new Date(Date.now() - 1) })
      .where(eq(deliveries.id, open.id));
    await dispatchOnce(db, { deadlineMs: 20_000 });
    await ingestEvents(db, orgId, [{ type: "billing.credits_low", title: "two" }], { indexed: true });
    const all = await db.select().from(deliveries);
    expect(all).toHaveLength(2);
    expect(all.find((d) => d.id === open.id)).toMatchObject({ status: "delivered", digestKey: null });
    expect(await db.select().from(events)).toHaveLength(2);
  });
});
