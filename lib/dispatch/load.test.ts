import { beforeEach, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { events } from "@/db/schema";
import { seedOrg, testDb } from "@/test/db";
import { loadDeliveryEvents } from "./load";
import { insertChannel, queueDelivery } from "./test-support";

let db: Db;
let orgId: string;
let channelId: string;

beforeEach(() => {
  db = testDb();
  orgId = seedOrg(db, "acme").org.id;
  channelId = insertChannel(db, orgId, { type: "webhook", settings: { url: "http://127.0.0.1:9/hook" } });
});

it("gives each delivery its events oldest first, whatever order they were stored in", () => {
  const { deliveryId, eventIds } = queueDelivery(db, { orgId, channelId, eventCount: 3 });
  const other = queueDelivery(db, { orgId, channelId, eventCount: 1 });
  // Stored first, occurred last: the reverse of the insertion order.
  const base = Date.now();
  eventIds.forEach((id, i) => db.update(events).set({ occurredAt: new Date(base - i * 1000) }).where(eq(events.id, id)).run());
  const loaded = loadDeliveryEvents(db, [deliveryId, other.deliveryId], "https://herald.example");
  expect(loaded.get(deliveryId)!.map((e) => e.id)).toEqual([...eventIds].reverse());
  expect(loaded.get(other.deliveryId)!.map((e) => e.id)).toEqual(other.eventIds);
  expect(loaded.get(deliveryId)![0].link).toBe(`https://herald.example/o/acme/events/${eventIds[2]}`);
});
