import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { auditEntries, invites, memberships, orgs, users } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { verifyPassword } from "@/lib/auth/password";
import { AppError } from "@/lib/errors";
import { testDb } from "@/test/db";
import { acceptInvite, addMember, changeRole, findInvite, removeMember } from "./members";
import { createProduct, deleteProduct, setProductAdmins } from "./products";
import { runSetup } from "./setup";

const setupInput = { orgName: "Acme Corp", email: "owner@acme.test", password: "a long enough password", confirmPassword: "a long enough password" };

describe("first-run setup", () => {
  let db: Db;
  beforeEach(() => {
    db = testDb();
  });

  it("creates the org with a slug and its owner, hashed password, audited", async () => {
    const { org, user } = await runSetup(db, setupInput);
    expect(org.slug).toBe("acme-corp");
    const stored = db.select().from(users).where(eq(users.id, user.id)).get()!;
    expect(stored.passwordHash).not.toContain(setupInput.password);
    expect(await verifyPassword(setupInput.password, stored.passwordHash)).toBe(true);
    expect(db.select().from(memberships).all()).toEqual([expect.objectContaining({ orgId: org.id, userId: user.id, role: "owner" })]);
    expect(db.select({ action: auditEntries.action }).from(auditEntries).all().map((a) => a.action)).toContain("account.created");
  });

  it("refuses a second time, and two concurrent setups create exactly one org", async () => {
    const results = await Promise.allSettled([runSetup(db, setupInput), runSetup(db, { ...setupInput, email: "other@acme.test" })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    await expect(runSetup(db, { ...setupInput, email: "third@acme.test" })).rejects.toThrow(/already set up/);
    expect(db.select().from(orgs).all()).toHaveLength(1);
    expect(db.select().from(users).all()).toHaveLength(1);
  });
});

describe("members", () => {
  let db: Db;
  let orgId: string;
  let ownerId: string;
  beforeEach(async () => {
    db = testDb();
    const { org, user } = await runSetup(db, setupInput);
    orgId = org.id;
    ownerId = user.id;
  });

  it("a new person gets a one-time invite link that sets the password", async () => {
    const { userId, inviteToken } = addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member");
    expect(inviteToken).toBeTruthy();
    // Only the hash is stored.
    expect(db.select().from(invites).all()[0].tokenHash).not.toBe(inviteToken);
    expect(findInvite(db, inviteToken!)?.userId).toBe(userId);
    await acceptInvite(db, inviteToken!, "the member's new password");
    expect(await verifyPassword("the member's new password", db.select().from(users).where(eq(users.id, userId)).get()!.passwordHash)).toBe(true);
    await expect(acceptInvite(db, inviteToken!, "another new password")).rejects.toThrow(/invalid, expired or already used/);
  });

  it("refuses adding someone twice", () => {
    addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member");
    expect(() => addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "admin")).toThrow(/already a member/);
  });

  it("the last owner can be neither demoted nor removed; with a second owner both work", () => {
    expect(() => changeRole(db, orgId, SYSTEM_ACTOR, ownerId, "admin")).toThrow(/at least one owner/);
    expect(() => removeMember(db, orgId, SYSTEM_ACTOR, ownerId)).toThrow(/at least one owner/);
    const { userId } = addMember(db, orgId, SYSTEM_ACTOR, "second@acme.test", "owner");
    changeRole(db, orgId, SYSTEM_ACTOR, ownerId, "admin");
    removeMember(db, orgId, SYSTEM_ACTOR, ownerId);
    expect(db.select().from(memberships).all().map((m) => m.userId)).toEqual([userId]);
  });

  it("removing a member also removes their product-admin rights", () => {
    const { userId } = addMember(db, orgId, SYSTEM_ACTOR, "pa@acme.test", "member");
    const product = createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" });
    setProductAdmins(db, orgId, SYSTEM_ACTOR, product.id, [userId]);
    removeMember(db, orgId, SYSTEM_ACTOR, userId);
    expect(db.$client.prepare("select count(*) n from product_admins").get()).toEqual({ n: 0 });
  });
});

describe("products", () => {
  let db: Db;
  let orgId: string;
  beforeEach(async () => {
    db = testDb();
    orgId = (await runSetup(db, setupInput)).org.id;
  });

  it("derives the slug, refuses a duplicate naming the field, and leaves nothing half-saved", () => {
    expect(createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" }).slug).toBe("web-shop");
    const before = db.select().from(auditEntries).all().length;
    try {
      createProduct(db, orgId, SYSTEM_ACTOR, { name: "Other", slug: "web-shop" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(409);
      expect((e as AppError).fields?.slug).toBeDefined();
    }
    expect(db.select().from(auditEntries).all().length).toBe(before);
  });

  it("product admins must be members of the org", () => {
    const product = createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" });
    expect(() => setProductAdmins(db, orgId, SYSTEM_ACTOR, product.id, ["usr_stranger"])).toThrow(/Some fields are invalid/);
  });

  it("a product of another org cannot be deleted through this org", async () => {
    const product = createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" });
    db.insert(orgs).values({ id: "org_b", slug: "b", name: "B" }).run();
    expect(() => deleteProduct(db, "org_b", SYSTEM_ACTOR, product.id)).toThrow(/not found/);
  });
});

describe("a new org's defaults", () => {
  it("starts with the console inbox and two editable rules routing health and deployment events to it", async () => {
    const db = testDb();
    const { org } = await runSetup(db, setupInput);
    const rows = db.$client
      .prepare(
        `select r.name, r.event_types as types, c.type as channel from rules r
         join rule_channels rc on rc.rule_id = r.id join channels c on c.id = rc.channel_id where r.org_id = ? order by r.name`,
      )
      .all(org.id);
    expect(rows).toEqual([
      { name: "Default deployment results", types: JSON.stringify(["deployment.succeeded", "deployment.failed"]), channel: "inbox" },
      { name: "Herald health", types: JSON.stringify(["integration.unhealthy", "storage.unhealthy"]), channel: "inbox" },
    ]);
  });
});
