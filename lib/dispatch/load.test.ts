import { afterEach, beforeEach, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { events } from "@/db/schema";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { loadDeliveryEvents } from "./load";
import { insertChannel, queueDelivery } from "./test-support";

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

it("gives each delivery its events oldest first, whatever order they were stored in", async () => {
  const { deliveryId, eventIds } = await queueDelivery(db, { orgId, channelId, eventCount: 3 });
  const other = await queueDelivery(db, { orgId, channelId, eventCount: 1 });
  // Stored first, occurred last: the reverse of the insertion order.
  const base = Date.now();
  for (const [i, id] of eventIds.entries())
    await db
      .update(events)
      .set({ occurredAt: new Date(base - i * 1000) })
      .where(eq(events.id, id));
  const loaded = await loadDeliveryEvents(
    db,
    [
      { id: deliveryId, floodMinutes: null },
      { id: other.deliveryId, floodMinutes: null },
    ],
    "https://herald.example",
  );
  expect(loaded.get(deliveryId)!.map((e) => e.id)).toEqual([...eventIds].reverse());
  expect(loaded.get(other.deliveryId)!.map((e) => e.id)).toEqual(other.eventIds);
  expect(loaded.get(deliveryId)![0].link).toBe(`https://herald.example/o/acme/events/${eventIds[2]}`);
  // The same event on both engines: its time, its org, and its data parsed from the stored text.
  const [event] = loaded.get(other.deliveryId)!;
  expect(event).toMatchObject({ type: "deployment.failed", severity: "error", title: "Deploy 1 failed", org: { slug: "acme", name: "ACME" }, product: null });
  expect(event.occurredAt).toBeInstanceOf(Date);
  expect(Number.isNaN(event.occurredAt.getTime())).toBe(false);
  expect(event.data).toEqual({ build: 1 });
  expect(JSON.parse(event.dataJson!)).toEqual({ build: 1 });
});
