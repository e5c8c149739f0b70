import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { auditEntries, invites, memberships, orgs, users } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { verifyPassword } from "@/lib/auth/password";
import { AppError } from "@/lib/errors";
import { testDb } from "@/test/db";
import { createOrg } from "./create-org";
import { acceptInvite, addMember, changeRole, describeInvite, findInvite, joinOrg, listInvitations, listMembers, reissueInvite, removeMember } from "./members";
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

  /** Adds someone new to Herald and lets them accept at once (they become a member). */
  async function member(email: string, role: "owner" | "admin" | "member") {
    const { userId, inviteToken } = addMember(db, orgId, SYSTEM_ACTOR, email, role);
    await acceptInvite(db, inviteToken, "the member's new password");
    return userId;
  }

  it("a new person gets a one-time invite link that sets the password and makes them a member", async () => {
    const { userId, inviteToken } = addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "admin");
    expect(inviteToken).toBeTruthy();
    // Only the hash is stored.
    expect(db.select().from(invites).all()[0].tokenHash).not.toBe(inviteToken);
    expect(findInvite(db, inviteToken)?.userId).toBe(userId);
    // Invited, not a member yet.
    expect(listMembers(db, orgId).map((m) => m.email)).toEqual(["owner@acme.test"]);
    expect(listInvitations(db, orgId)).toEqual([expect.objectContaining({ userId, email: "new@acme.test", role: "admin", expired: false })]);
    await acceptInvite(db, inviteToken, "the member's new password");
    expect(await verifyPassword("the member's new password", db.select().from(users).where(eq(users.id, userId)).get()!.passwordHash)).toBe(true);
    expect(listMembers(db, orgId).map((m) => [m.email, m.role])).toEqual([
      ["new@acme.test", "admin"],
      ["owner@acme.test", "owner"],
    ]);
    expect(listInvitations(db, orgId)).toEqual([]);
    await expect(acceptInvite(db, inviteToken, "another new password")).rejects.toThrow(/invalid, expired or already used/);
  });

  it("someone with an account accepts signed in as themselves, through the link; nobody else can use it", async () => {
    const other = addMember(db, orgId, SYSTEM_ACTOR, "other@acme.test", "member");
    await acceptInvite(db, other.inviteToken, "the other's password");
    const b = createOrg(db, ownerId, { type: "user", id: ownerId, label: "owner@acme.test" }, "Beta");
    const { inviteToken } = addMember(db, b.id, SYSTEM_ACTOR, "other@acme.test", "admin");
    expect(describeInvite(db, inviteToken)).toMatchObject({ setsPassword: false, orgName: "Beta", role: "admin" });
    expect(() => joinOrg(db, inviteToken, ownerId)).toThrow(/another account/);
    expect(joinOrg(db, inviteToken, other.userId)).toEqual({ org: b.slug });
    expect(listMembers(db, b.id).find((m) => m.userId === other.userId)?.role).toBe("admin");
    expect(() => joinOrg(db, inviteToken, other.userId)).toThrow(/invalid, expired or already used/);
  });

  it("a new link replaces the old one and keeps what it may do; a withdrawn invitation's link dies", async () => {
    const { userId, inviteToken } = addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member");
    const fresh = reissueInvite(db, orgId, SYSTEM_ACTOR, userId);
    expect(findInvite(db, inviteToken)).toBeNull();
    expect(describeInvite(db, fresh)?.setsPassword).toBe(true);
    removeMember(db, orgId, SYSTEM_ACTOR, userId);
    expect(findInvite(db, fresh)).toBeNull();
    expect(listInvitations(db, orgId)).toEqual([]);
    expect(() => reissueInvite(db, orgId, SYSTEM_ACTOR, ownerId)).toThrow(/not found/);
  });

  it("an expired invitation stays listed, its link refused, until a new link is sent", async () => {
    const { userId, inviteToken } = addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member");
    db.update(invites).set({ expiresAt: new Date(Date.now() - 1000) }).run();
    expect(listInvitations(db, orgId)).toEqual([expect.objectContaining({ userId, expired: true })]);
    await expect(acceptInvite(db, inviteToken, "the member's new password")).rejects.toThrow(/invalid, expired/);
    await acceptInvite(db, reissueInvite(db, orgId, SYSTEM_ACTOR, userId), "the member's new password");
    expect(listMembers(db, orgId).map((m) => m.userId)).toContain(userId);
  });

  it("refuses adding someone twice: a member, or someone already invited", async () => {
    addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member");
    expect(() => addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "admin")).toThrow(/already invited/);
    expect(() => addMember(db, orgId, SYSTEM_ACTOR, "owner@acme.test", "admin")).toThrow(/already a member/);
  });

  it("the last owner can be neither demoted nor removed; an invited owner does not count; with a second owner both work", async () => {
    expect(() => changeRole(db, orgId, SYSTEM_ACTOR, ownerId, "admin")).toThrow(/at least one owner/);
    expect(() => removeMember(db, orgId, SYSTEM_ACTOR, ownerId)).toThrow(/at least one owner/);
    const { userId, inviteToken } = addMember(db, orgId, SYSTEM_ACTOR, "second@acme.test", "owner");
    expect(() => changeRole(db, orgId, SYSTEM_ACTOR, ownerId, "admin")).toThrow(/at least one owner/);
    await acceptInvite(db, inviteToken, "the member's new password");
    changeRole(db, orgId, SYSTEM_ACTOR, ownerId, "admin");
    removeMember(db, orgId, SYSTEM_ACTOR, ownerId);
    expect(db.select().from(memberships).all().map((m) => m.userId)).toEqual([userId]);
  });

  it("removing a member also removes their product-admin rights", async () => {
    const userId = await member("pa@acme.test", "member");
    const product = createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" });
    setProductAdmins(db, orgId, SYSTEM_ACTOR, product.id, [userId]);
    removeMember(db, orgId, SYSTEM_ACTOR, userId);
    expect(db.$client.prepare("select count(*) n from product_admins").get()).toEqual({ n: 0 });
  });

  it("an invited person cannot be named product admin before they accept", () => {
    const { userId } = addMember(db, orgId, SYSTEM_ACTOR, "pa@acme.test", "member");
    const product = createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" });
    expect(() => setProductAdmins(db, orgId, SYSTEM_ACTOR, product.id, [userId])).toThrow(/Some fields are invalid/);
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
