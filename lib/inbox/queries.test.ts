import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { events, inboxItems, products } from "@/db/schema";
import { newId } from "@/lib/ids";
import { seedOrg, testDb } from "@/test/db";
import { listInbox, markInbox, unreadCount } from "./queries";

let db: Db;
let orgId: string;
let alice: string;
let bob: string;

function notify(userId: string, severity: "info" | "error", productId: string | null = null) {
  const eventId = newId("evt");
  const now = new Date();
  db.insert(events).values({ id: eventId, orgId, productId, type: "deployment.failed", severity, title: `${severity} event`, occurredAt: now, receivedAt: now }).run();
  const id = newId("inb");
  db.insert(inboxItems).values({ id, orgId, userId, eventId }).run();
  return id;
}

beforeEach(() => {
  db = testDb();
  const seeded = seedOrg(db, "acme", ["owner", "member"]);
  orgId = seeded.org.id;
  [alice, bob] = seeded.members.map((m) => m.id);
});

describe("inbox", () => {
  it("counts unread per member and filters by severity, product and read state", () => {
    db.insert(products).values({ id: "prd_shop", orgId, slug: "shop", name: "Shop" }).run();
    const first = notify(alice, "info");
    notify(alice, "error", "prd_shop");
    notify(bob, "error");
    expect(unreadCount(db, orgId, alice)).toBe(2);
    expect(listInbox(db, orgId, alice, { severity: "error" }).items.map((i) => i.product)).toEqual(["shop"]);
    expect(listInbox(db, orgId, alice, { product: "shop" }).items).toHaveLength(1);
    markInbox(db, orgId, alice, [first], true);
    expect(unreadCount(db, orgId, alice)).toBe(1);
    expect(listInbox(db, orgId, alice, { state: "read" }).items.map((i) => i.id)).toEqual([first]);
    markInbox(db, orgId, alice, [first], false);
    expect(unreadCount(db, orgId, alice)).toBe(2);
  });

  it("a member cannot mark another member's items", () => {
    const bobs = notify(bob, "info");
    expect(markInbox(db, orgId, alice, [bobs], true)).toBe(0);
    expect(markInbox(db, orgId, alice, "all", true)).toBe(0);
    expect(unreadCount(db, orgId, bob)).toBe(1);
  });
});
