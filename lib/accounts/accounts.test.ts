import { and, asc, count, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rowsOf, type Db } from "@/db/client";
import { auditEntries, channels, invites, memberships, orgs, productAdmins, ruleChannels, rules, users } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { verifyPassword } from "@/lib/auth/password";
import { AppError } from "@/lib/errors";
import { closeTestDb, testDb } from "@/test/db";
import { listAudit } from "./audit-log";
import { createOrg } from "./create-org";
import { acceptInvite, addMember, changeRole, describeInvite, findInvite, joinOrg, listInvitations, listMembers, reissueInvite, removeMember } from "./members";
import { createProduct, deleteProduct, setProductAdmins } from "./products";
import { runSetup } from "./setup";
import { createToken, listTokens, revokeToken, setOrgRetention } from "./tokens";

const setupInput = { orgName: "Acme Corp", email: "owner@acme.test", password: "a long enough password", confirmPassword: "a long enough password" };

let db: Db;
afterEach(async () => {
  await closeTestDb(db);
});

/**
 * Opens every connection of the pool first (PostgreSQL), so that the
 * transactions a test runs "at once" really overlap instead of the first
 * finishing while the second is still connecting.
 */
async function warmPool() {
  await Promise.all(Array.from({ length: 4 }, () => rowsOf(db, sql`SELECT 1`)));
}

describe("first-run setup", () => {
  beforeEach(async () => {
    db = await testDb();
  });

  it("creates the org with a slug and its owner, hashed password, audited", async () => {
    const { org, user } = await runSetup(db, setupInput);
    expect(org.slug).toBe("acme-corp");
    const [stored] = await db.select().from(users).where(eq(users.id, user.id));
    expect(stored.passwordHash).not.toContain(setupInput.password);
    expect(await verifyPassword(setupInput.password, stored.passwordHash)).toBe(true);
    expect(await db.select().from(memberships)).toEqual([expect.objectContaining({ orgId: org.id, userId: user.id, role: "owner" })]);
    expect((await db.select({ action: auditEntries.action }).from(auditEntries)).map((a) => a.action)).toContain("account.created");
  });

  it("refuses a second time, and two concurrent setups create exactly one org", async () => {
    await warmPool();
    const results = await Promise.allSettled([runSetup(db, setupInput), runSetup(db, { ...setupInput, email: "other@acme.test" })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason.message).toMatch(/already set up/);
    await expect(runSetup(db, { ...setupInput, email: "third@acme.test" })).rejects.toThrow(/already set up/);
    expect(await db.select().from(orgs)).toHaveLength(1);
    expect(await db.select().from(users)).toHaveLength(1);
  });
});

describe("members", () => {
  let orgId: string;
  let ownerId: string;
  beforeEach(async () => {
    db = await testDb();
    const { org, user } = await runSetup(db, setupInput);
    orgId = org.id;
    ownerId = user.id;
  });

  /** Adds someone new to Herald and lets them accept at once (they become a member). */
  async function member(email: string, role: "owner" | "admin" | "member") {
    const { userId, inviteToken } = await addMember(db, orgId, SYSTEM_ACTOR, email, role);
    await acceptInvite(db, inviteToken, "the member's new password");
    return userId;
  }

  it("a new person gets a one-time invite link that sets the password and makes them a member", async () => {
    const { userId, inviteToken } = await addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "admin");
    expect(inviteToken).toBeTruthy();
    // Only the hash is stored.
    expect((await db.select().from(invites))[0].tokenHash).not.toBe(inviteToken);
    expect((await findInvite(db, inviteToken))?.userId).toBe(userId);
    // Invited, not a member yet.
    expect((await listMembers(db, orgId)).map((m) => m.email)).toEqual(["owner@acme.test"]);
    expect(await listInvitations(db, orgId)).toEqual([expect.objectContaining({ userId, email: "new@acme.test", role: "admin", expired: false })]);
    await acceptInvite(db, inviteToken, "the member's new password");
    const [stored] = await db.select().from(users).where(eq(users.id, userId));
    expect(await verifyPassword("the member's new password", stored.passwordHash)).toBe(true);
    expect((await listMembers(db, orgId)).map((m) => [m.email, m.role])).toEqual([
      ["new@acme.test", "admin"],
      ["owner@acme.test", "owner"],
    ]);
    expect(await listInvitations(db, orgId)).toEqual([]);
    await expect(acceptInvite(db, inviteToken, "another new password")).rejects.toThrow(/invalid, expired or already used/);
  });

  it("an invite link used twice at once sets one password and joins once", async () => {
    const { userId, inviteToken } = await addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member");
    await warmPool();
    const results = await Promise.allSettled([acceptInvite(db, inviteToken, "first new password"), acceptInvite(db, inviteToken, "second new password")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(
      await db
        .select({ n: count() })
        .from(auditEntries)
        .where(and(eq(auditEntries.action, "account.created"), eq(auditEntries.targetId, userId))),
    ).toEqual([{ n: 1 }]);
    const [stored] = await db.select().from(users).where(eq(users.id, userId));
    expect(stored.sessionVersion).toBe(1);
  });

  it("someone with an account accepts signed in as themselves, through the link; nobody else can use it", async () => {
    const other = await addMember(db, orgId, SYSTEM_ACTOR, "other@acme.test", "member");
    await acceptInvite(db, other.inviteToken, "the other's password");
    const b = await createOrg(db, ownerId, { type: "user", id: ownerId, label: "owner@acme.test" }, "Beta");
    const { inviteToken } = await addMember(db, b.id, SYSTEM_ACTOR, "other@acme.test", "admin");
    expect(await describeInvite(db, inviteToken)).toMatchObject({ setsPassword: false, orgName: "Beta", role: "admin" });
    await expect(joinOrg(db, inviteToken, ownerId)).rejects.toThrow(/another account/);
    expect(await joinOrg(db, inviteToken, other.userId)).toEqual({ org: b.slug });
    expect((await listMembers(db, b.id)).find((m) => m.userId === other.userId)?.role).toBe("admin");
    await expect(joinOrg(db, inviteToken, other.userId)).rejects.toThrow(/invalid, expired or already used/);
  });

  it("a new link replaces the old one and keeps what it may do; a withdrawn invitation's link dies", async () => {
    const { userId, inviteToken } = await addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member");
    const fresh = await reissueInvite(db, orgId, SYSTEM_ACTOR, userId);
    expect(await findInvite(db, inviteToken)).toBeNull();
    expect((await describeInvite(db, fresh))?.setsPassword).toBe(true);
    await removeMember(db, orgId, SYSTEM_ACTOR, userId);
    expect(await findInvite(db, fresh)).toBeNull();
    expect(await listInvitations(db, orgId)).toEqual([]);
    await expect(reissueInvite(db, orgId, SYSTEM_ACTOR, ownerId)).rejects.toThrow(/not found/);
  });

  it("an expired invitation stays listed, its link refused, until a new link is sent", async () => {
    const { userId, inviteToken } = await addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member");
    await db.update(invites).set({ expiresAt: new Date(Date.now() - 1000) });
    expect(await listInvitations(db, orgId)).toEqual([expect.objectContaining({ userId, expired: true })]);
    await expect(acceptInvite(db, inviteToken, "the member's new password")).rejects.toThrow(/invalid, expired/);
    await acceptInvite(db, await reissueInvite(db, orgId, SYSTEM_ACTOR, userId), "the member's new password");
    expect((await listMembers(db, orgId)).map((m) => m.userId)).toContain(userId);
  });

  it("refuses adding someone twice: a member, or someone already invited", async () => {
    await addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member");
    await expect(addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "admin")).rejects.toThrow(/already invited/);
    await expect(addMember(db, orgId, SYSTEM_ACTOR, "owner@acme.test", "admin")).rejects.toThrow(/already a member/);
  });

  it("inviting the same person twice at once invites them once, and the other is told they are invited", async () => {
    await warmPool();
    const results = await Promise.allSettled([
      addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member"),
      addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "admin"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(AppError);
    expect(refused.reason.message).toMatch(/already invited/);
    expect(await listInvitations(db, orgId)).toHaveLength(1);
  });

  it("two orgs inviting the same new account at once: one link may set its first password", async () => {
    const b = await createOrg(db, ownerId, { type: "user", id: ownerId, label: "owner@acme.test" }, "Beta");
    await addMember(db, orgId, SYSTEM_ACTOR, "new@acme.test", "member");
    await warmPool();
    const [x, y] = await Promise.all([
      addMember(db, b.id, SYSTEM_ACTOR, "new@acme.test", "member"),
      reissueInvite(db, orgId, SYSTEM_ACTOR, (await db.select().from(users).where(eq(users.email, "new@acme.test")))[0].id),
    ]);
    const links = [(await describeInvite(db, x.inviteToken))?.setsPassword, (await describeInvite(db, y))?.setsPassword];
    expect(links.filter(Boolean)).toHaveLength(1);
  });

  it("the last owner can be neither demoted nor removed; an invited owner does not count; with a second owner both work", async () => {
    await expect(changeRole(db, orgId, SYSTEM_ACTOR, ownerId, "admin")).rejects.toThrow(/at least one owner/);
    await expect(removeMember(db, orgId, SYSTEM_ACTOR, ownerId)).rejects.toThrow(/at least one owner/);
    const { userId, inviteToken } = await addMember(db, orgId, SYSTEM_ACTOR, "second@acme.test", "owner");
    await expect(changeRole(db, orgId, SYSTEM_ACTOR, ownerId, "admin")).rejects.toThrow(/at least one owner/);
    await acceptInvite(db, inviteToken, "the member's new password");
    await changeRole(db, orgId, SYSTEM_ACTOR, ownerId, "admin");
    await removeMember(db, orgId, SYSTEM_ACTOR, ownerId);
    expect((await db.select().from(memberships)).map((m) => m.userId)).toEqual([userId]);
  });

  it("two owners demoting each other at once leave one owner", async () => {
    const userId = await member("second@acme.test", "owner");
    await warmPool();
    const results = await Promise.allSettled([changeRole(db, orgId, SYSTEM_ACTOR, ownerId, "admin"), changeRole(db, orgId, SYSTEM_ACTOR, userId, "member")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.select({ n: count() }).from(memberships).where(eq(memberships.role, "owner"))).toEqual([{ n: 1 }]);
  });

  it("removing a member also removes their product-admin rights", async () => {
    const userId = await member("pa@acme.test", "member");
    const product = await createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" });
    await setProductAdmins(db, orgId, SYSTEM_ACTOR, product.id, [userId]);
    expect(await db.select({ n: count() }).from(productAdmins)).toEqual([{ n: 1 }]);
    await removeMember(db, orgId, SYSTEM_ACTOR, userId);
    expect(await db.select({ n: count() }).from(productAdmins)).toEqual([{ n: 0 }]);
  });

  it("an invited person cannot be named product admin before they accept", async () => {
    const { userId } = await addMember(db, orgId, SYSTEM_ACTOR, "pa@acme.test", "member");
    const product = await createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" });
    await expect(setProductAdmins(db, orgId, SYSTEM_ACTOR, product.id, [userId])).rejects.toThrow(/Some fields are invalid/);
  });
});

describe("products", () => {
  let orgId: string;
  beforeEach(async () => {
    db = await testDb();
    orgId = (await runSetup(db, setupInput)).org.id;
  });

  it("derives the slug, refuses a duplicate naming the field, and leaves nothing half-saved", async () => {
    expect((await createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" })).slug).toBe("web-shop");
    const before = (await db.select().from(auditEntries)).length;
    try {
      await createProduct(db, orgId, SYSTEM_ACTOR, { name: "Other", slug: "web-shop" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(409);
      expect((e as AppError).fields?.slug).toBeDefined();
    }
    expect((await db.select().from(auditEntries)).length).toBe(before);
  });

  it("product admins must be members of the org", async () => {
    const product = await createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" });
    await expect(setProductAdmins(db, orgId, SYSTEM_ACTOR, product.id, ["usr_stranger"])).rejects.toThrow(/Some fields are invalid/);
  });

  it("a product of another org cannot be deleted through this org", async () => {
    const product = await createProduct(db, orgId, SYSTEM_ACTOR, { name: "Web Shop" });
    await db.insert(orgs).values({ id: "org_b", slug: "b", name: "B" });
    await expect(deleteProduct(db, "org_b", SYSTEM_ACTOR, product.id)).rejects.toThrow(/not found/);
  });
});

describe("the audit log", () => {
  it("filters by action prefix and actor (any case, % and _ taken literally), newest first", async () => {
    db = await testDb();
    const { org } = await runSetup(db, setupInput);
    await addMember(db, org.id, { type: "user", id: "usr_x", label: "Ops_Lead@acme.test" }, "new@acme.test", "member");
    const all = await listAudit(db, org.id);
    expect(all.total).toBe(all.rows.length);
    // Setup and the invitation may share a millisecond: the order within one is not promised.
    expect(all.rows.map((r) => r.action)).toContain("member.invited");
    expect(all.rows.map((r) => r.createdAt.getTime())).toEqual(all.rows.map((r) => r.createdAt.getTime()).sort((x, y) => y - x));
    expect((await listAudit(db, org.id, { action: "rule." })).rows.map((r) => r.action)).toEqual(["rule.created", "rule.created"]);
    expect((await listAudit(db, org.id, { action: "RULE." })).total).toBe(2);
    expect((await listAudit(db, org.id, { action: "rule%" })).total).toBe(0);
    expect((await listAudit(db, org.id, { actor: "ops_lead" })).rows.map((r) => r.actorLabel)).toEqual(["Ops_Lead@acme.test"]);
    expect((await listAudit(db, org.id, { actor: "ops%lead" })).total).toBe(0);
    expect((await listAudit(db, org.id, { actor: "opsxlead".replace("x", "_") })).total).toBe(1);
    expect((await listAudit(db, org.id, { actor: "opsXlead" })).total).toBe(0);
  });
});

describe("a new org's defaults", () => {
  it("starts with the console inbox and two editable rules routing health and deployment events to it", async () => {
    db = await testDb();
    const { org } = await runSetup(db, setupInput);
    const rows = await db
      .select({ name: rules.name, types: rules.eventTypes, channel: channels.type })
      .from(rules)
      .innerJoin(ruleChannels, eq(ruleChannels.ruleId, rules.id))
      .innerJoin(channels, eq(channels.id, ruleChannels.channelId))
      .where(eq(rules.orgId, org.id))
      .orderBy(asc(rules.name));
    expect(rows).toEqual([
      { name: "Default deployment results", types: ["deployment.succeeded", "deployment.failed"], channel: "inbox" },
      { name: "Herald health", types: ["integration.unhealthy", "storage.unhealthy", "channel.flooded"], channel: "inbox" },
    ]);
  });
});

describe("an org's retention", () => {
  it("is shorter than the instance's or none, audited; longer is refused naming the field and the limit", async () => {
    db = await testDb();
    const { org } = await runSetup(db, setupInput);
    await setOrgRetention(db, org.id, SYSTEM_ACTOR, 7, 30);
    expect((await db.select({ days: orgs.retentionDays }).from(orgs).where(eq(orgs.id, org.id)))[0].days).toBe(7);
    const refused = await setOrgRetention(db, org.id, SYSTEM_ACTOR, 31, 30).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).fields).toEqual({ retentionDays: ["must be at most 30 days, this instance's retention (HERALD_RETENTION_DAYS)"] });
    expect((await db.select({ days: orgs.retentionDays }).from(orgs).where(eq(orgs.id, org.id)))[0].days).toBe(7);
    await setOrgRetention(db, org.id, SYSTEM_ACTOR, null, 30);
    expect((await db.select({ days: orgs.retentionDays }).from(orgs).where(eq(orgs.id, org.id)))[0].days).toBeNull();
    const audited = await db.select({ details: auditEntries.details }).from(auditEntries).where(eq(auditEntries.action, "org.retention_changed"));
    expect(audited.map((a) => a.details)).toEqual([
      { from: null, to: 7 },
      { from: 7, to: null },
    ]);
  });
});

describe("an org's API tokens", () => {
  it("are listed with their status: active, expired once their day has passed, revoked", async () => {
    db = await testDb();
    const { org } = await runSetup(db, setupInput);
    const live = await createToken(db, org.id, SYSTEM_ACTOR, { name: "live", role: "admin" });
    await createToken(db, org.id, SYSTEM_ACTOR, { name: "week", role: "read", expiresInDays: 7 });
    const gone = await createToken(db, org.id, SYSTEM_ACTOR, { name: "gone", role: "read" });
    await revokeToken(db, org.id, SYSTEM_ACTOR, gone.id);
    const statuses = async (now?: Date) => Object.fromEntries((await listTokens(db, org.id, now)).map((t) => [t.name, t.status]));
    expect(await statuses()).toEqual({ live: "active", week: "active", gone: "revoked" });
    expect(await statuses(new Date(Date.now() + 8 * 86_400_000))).toEqual({ live: "active", week: "expired", gone: "revoked" });
    expect(live.token).toMatch(/^hrld_/);
  });
});
