import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { events, inboxItems, products } from "@/db/schema";
import { newId } from "@/lib/ids";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { listInbox, markInbox, unreadCount } from "./queries";

let db: Db;
let orgId: string;
let alice: string;
let bob: string;

async function notify(userId: string, severity: "info" | "error", productId: string | null = null) {
  const eventId = newId("evt");
  const now = new Date();
  await db
    .insert(events)
    .values({ id: eventId, orgId, productId, type: "deployment.failed", severity, title: `${severity} event`, occurredAt: now, receivedAt: now });
  const id = newId("inb");
  await db.insert(inboxItems).values({ id, orgId, userId, eventId });
  return id;
}

beforeEach(async () => {
  db = await testDb();
  const seeded = await seedOrg(db, "acme", ["owner", "member"]);
  orgId = seeded.org.id;
  [alice, bob] = seeded.members.map((m) => m.id);
});
afterEach(async () => {
  await closeTestDb(db);
});

describe("inbox", () => {
  it("counts unread per member and filters by severity, product and read state", async () => {
    await db.insert(products).values({ id: "prd_shop", orgId, slug: "shop", name: "Shop" });
    const first = await notify(alice, "info");
    await notify(alice, "error", "prd_shop");
    await notify(bob, "error");
    expect(await unreadCount(db, orgId, alice)).toBe(2);
    expect((await listInbox(db, orgId, alice, { severity: "error" })).items.map((i) => i.product)).toEqual(["shop"]);
    expect((await listInbox(db, orgId, alice, { product: "shop" })).items).toHaveLength(1);
    expect(await markInbox(db, orgId, alice, [first], true)).toBe(1);
    expect(await unreadCount(db, orgId, alice)).toBe(1);
    expect((await listInbox(db, orgId, alice, { state: "read" })).items.map((i) => i.id)).toEqual([first]);
    await markInbox(db, orgId, alice, [first], false);
    expect(await unreadCount(db, orgId, alice)).toBe(2);
  });

  it("a member cannot mark another member's items", async () => {
    const bobs = await notify(bob, "info");
    expect(await markInbox(db, orgId, alice, [bobs], true)).toBe(0);
    expect(await markInbox(db, orgId, alice, "all", true)).toBe(0);
    expect(await unreadCount(db, orgId, bob)).toBe(1);
  });
});
