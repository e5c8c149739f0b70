import crypto from "node:crypto";
import { and, asc, count, eq, gt, isNull } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { invites, memberships, productAdmins, products, users, type OrgRole } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { hashPassword } from "@/lib/auth/password";
import { AppError, conflict, isUniqueViolation, notFound } from "@/lib/errors";
import { newId, sha256 } from "@/lib/ids";
import { lockOrg } from "./locks";

export const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

export async function listMembers(db: DbOrTx, orgId: string) {
  return (
    await db
      .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, joined: memberships.createdAt, hasPassword: users.passwordHash })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.orgId, orgId))
      .orderBy(asc(users.email), asc(users.id))
  ).map(({ hasPassword, ...m }) => ({ ...m, pending: !hasPassword }));
}

async function createInvite(tx: DbOrTx, orgId: string, userId: string) {
  const token = crypto.randomBytes(24).toString("base64url");
  await tx.insert(invites).values({ id: newId("inv"), orgId, userId, tokenHash: sha256(token), expiresAt: new Date(Date.now() + INVITE_TTL_MS) });
  return token;
}

/**
 * Adds a member by e-mail. A person new to Herald gets a one-time invite link
 * (returned here, shown once to the owner) that sets their password; an
 * existing user just joins the org.
 */
export async function addMember(db: Db, orgId: string, actor: Actor, email: string, role: OrgRole) {
  const alreadyMember = () => conflict(`${email} is already a member`, { email: ["is already a member of this organization"] });
  try {
    return await db.transaction(async (tx) => {
      let [user] = await tx.select().from(users).where(eq(users.email, email)).limit(1);
      if (user) {
        const [already] = await tx
          .select()
          .from(memberships)
          .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, user.id)))
          .limit(1);
        if (already) throw alreadyMember();
      } else {
        user = { id: newId("usr"), email, name: null, passwordHash: null, createdAt: new Date() };
        await tx.insert(users).values(user);
      }
      await tx.insert(memberships).values({ orgId, userId: user.id, role });
      const inviteToken = user.passwordHash ? null : await createInvite(tx, orgId, user.id);
      await recordAudit(tx, {
        orgId,
        actor,
        action: "account.created",
        target: { type: "user", id: user.id, label: email },
        details: { role },
      });
      return { userId: user.id, inviteToken };
    });
  } catch (e) {
    // Two owners adding the same person at the same moment (PostgreSQL: the checks above ran side by side).
    if (isUniqueViolation(e)) throw alreadyMember();
    throw e;
  }
}

/** A fresh invite link for a member who has not set a password yet (the old link stops working). */
export async function reissueInvite(db: Db, orgId: string, actor: Actor, userId: string) {
  return db.transaction(async (tx) => {
    const member = await memberOf(tx, orgId, userId);
    if (member.passwordHash) throw conflict("This member has already set a password");
    await tx.delete(invites).where(and(eq(invites.userId, userId), eq(invites.orgId, orgId)));
    const token = await createInvite(tx, orgId, userId);
    await recordAudit(tx, { orgId, actor, action: "invite.reissued", target: { type: "user", id: userId, label: member.email } });
    return token;
  });
}

async function memberOf(tx: DbOrTx, orgId: string, userId: string) {
  const [row] = await tx
    .select({ email: users.email, role: memberships.role, passwordHash: users.passwordHash })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .limit(1);
  if (!row) throw notFound("Member");
  return row;
}

async function ownerCount(tx: DbOrTx, orgId: string) {
  const [row] = await tx.select({ n: count() }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner"))).limit(1);
  return row?.n ?? 0;
}

const LAST_OWNER = "An organization needs at least one owner: make someone else owner first";

export async function changeRole(db: Db, orgId: string, actor: Actor, userId: string, role: OrgRole) {
  await db.transaction(async (tx) => {
    // Two owners demoting each other at once must not leave the org without one.
    await lockOrg(tx, orgId);
    const member = await memberOf(tx, orgId, userId);
    if (member.role === role) return;
    if (member.role === "owner" && (await ownerCount(tx, orgId)) <= 1) throw new AppError("conflict", LAST_OWNER, { role: [LAST_OWNER] });
    await tx.update(memberships).set({ role }).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    await recordAudit(tx, {
      orgId,
      actor,
      action: "member.role_changed",
      target: { type: "user", id: userId, label: member.email },
      details: { from: member.role, to: role },
    });
  });
}

export async function removeMember(db: Db, orgId: string, actor: Actor, userId: string) {
  await db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const member = await memberOf(tx, orgId, userId);
    if (member.role === "owner" && (await ownerCount(tx, orgId)) <= 1) throw new AppError("conflict", LAST_OWNER);
    await tx.delete(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    const orgProducts = await tx.select({ id: products.id }).from(products).where(eq(products.orgId, orgId));
    for (const p of orgProducts) {
      await tx.delete(productAdmins).where(and(eq(productAdmins.productId, p.id), eq(productAdmins.userId, userId)));
    }
    await tx.delete(invites).where(and(eq(invites.userId, userId), eq(invites.orgId, orgId)));
    await recordAudit(tx, { orgId, actor, action: "account.removed", target: { type: "user", id: userId, label: member.email } });
  });
}

/** The invite behind a link, if it is still usable. */
export async function findInvite(db: DbOrTx, token: string, now = new Date()) {
  const [invite] = await db
    .select({ id: invites.id, orgId: invites.orgId, userId: invites.userId, email: users.email })
    .from(invites)
    .innerJoin(users, eq(users.id, invites.userId))
    .where(and(eq(invites.tokenHash, sha256(token)), isNull(invites.usedAt), gt(invites.expiresAt, now)))
    .limit(1);
  return invite ?? null;
}

/** Uses an invite link once: sets the password and burns the link. */
export async function acceptInvite(db: Db, token: string, password: string) {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const invite = await findInvite(tx, token);
    if (!invite) throw new AppError("not_found", "This invite link is invalid, expired or already used");
    // Burn the link only if it is still unused: two uses at once (PostgreSQL) must not both set a password.
    const burned = await tx
      .update(invites)
      .set({ usedAt: new Date() })
      .where(and(eq(invites.id, invite.id), isNull(invites.usedAt)))
      .returning({ id: invites.id });
    if (!burned.length) throw new AppError("not_found", "This invite link is invalid, expired or already used");
    await tx.update(users).set({ passwordHash }).where(eq(users.id, invite.userId));
    await recordAudit(tx, {
      orgId: invite.orgId,
      actor: { type: "user", id: invite.userId, label: invite.email },
      action: "invite.accepted",
      target: { type: "user", id: invite.userId, label: invite.email },
    });
    return { email: invite.email };
  });
}
