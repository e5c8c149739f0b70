import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { auditEntries, channels, deliveries, events, memberships, orgs, users } from "@/db/schema";
import { insertChannel, queueMany } from "@/lib/dispatch/test-support";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { deleteOrg } from "./tokens";

/** Deleting an org (issue #20 item 8): only with its name typed, everything of it goes, its pending deliveries are counted, accounts and other orgs stay. */
describe("deleteOrg", () => {
  let db: Db;
  let orgId: string;
  let otherOrgId: string;
  const actor = { type: "user" as const, id: "usr_x", label: "owner@acme.test" };

  beforeEach(async () => {
    db = await testDb();
    const seeded = await seedOrg(db, "acme", ["owner"]);
    orgId = seeded.org.id;
    otherOrgId = (await seedOrg(db, "other", ["owner"])).org.id;
    for (const id of [orgId, otherOrgId]) {
      const channelId = await insertChannel(db, id, { type: "webhook", settings: { url: "http://127.0.0.1:9/x" } });
      await queueMany(db, 3, { orgId: id, channelId });
    }
  });
  afterEach(async () => closeTestDb(db));

  it("refuses a wrong name, naming the field, and deletes nothing", async () => {
    await expect(deleteOrg(db, orgId, actor, "ACM")).rejects.toMatchObject({
      fields: { confirmName: ["type the organization's name, ACME, exactly, to confirm"] },
    });
    expect(await db.select().from(orgs).where(eq(orgs.id, orgId))).toHaveLength(1);
  });

  it("deletes the org and what is in it, says how many pending deliveries were dropped, keeps accounts and other orgs", async () => {
    const usersBefore = (await db.select().from(users)).length;
    expect(await deleteOrg(db, orgId, actor, " ACME ")).toEqual({ droppedDeliveries: 3 });
    expect(await db.select().from(orgs).where(eq(orgs.id, orgId))).toHaveLength(0);
    for (const table of [channels, deliveries, events, memberships] as const) {
      expect(await db.select().from(table).where(eq(table.orgId, orgId)), "rows of the deleted org").toHaveLength(0);
      expect((await db.select().from(table).where(eq(table.orgId, otherOrgId))).length, "rows of the other org").toBeGreaterThan(0);
    }
    expect((await db.select().from(users)).length).toBe(usersBefore);
    const [entry] = await db.select().from(auditEntries).where(isNull(auditEntries.orgId));
    expect(entry).toMatchObject({ action: "org.deleted", targetLabel: "acme", details: { name: "ACME", droppedDeliveries: 3 } });
  });
});
