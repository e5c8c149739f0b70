import crypto from "node:crypto";
import { and, asc, count, eq, gt, isNull } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { invites, memberships, productAdmins, products, users, type OrgRole } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { hashPassword } from "@/lib/auth/password";
import { AppError, conflict, notFound } from "@/lib/errors";
import { newId, sha256 } from "@/lib/ids";

export const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

export function listMembers(db: DbOrTx, orgId: string) {
  return db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, joined: memberships.createdAt, hasPassword: users.passwordHash })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(users.email))
    .all()
    .map(({ hasPassword, ...m }) => ({ ...m, pending: !hasPassword }));
}

function createInvite(tx: DbOrTx, orgId: string, userId: string) {
  const token = crypto.randomBytes(24).toString("base64url");
  tx.insert(invites)
    .values({ id: newId("inv"), orgId, userId, tokenHash: sha256(token), expiresAt: new Date(Date.now() + INVITE_TTL_MS) })
    .run();
  return token;
}

/**
 * Adds a member by e-mail. A person new to Herald gets a one-time invite link
 * (returned here, shown once to the owner) that sets their password; an
 * existing user just joins the org.
 */
export function addMember(db: Db, orgId: string, actor: Actor, email: string, role: OrgRole) {
  return db.transaction((tx) => {
    let user = tx.select().from(users).where(eq(users.email, email)).get();
    if (user) {
      const already = tx
        .select()
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, user.id)))
        .get();
      if (already) throw conflict(`${email} is already a member`, { email: ["is already a member of this organization"] });
    } else {
      user = { id: newId("usr"), email, name: null, passwordHash: null, createdAt: new Date() };
      tx.insert(users).values(user).run();
    }
    tx.insert(memberships).values({ orgId, userId: user.id, role }).run();
    const inviteToken = user.passwordHash ? null : createInvite(tx, orgId, user.id);
    recordAudit(tx, {
      orgId,
      actor,
      action: "account.created",
      target: { type: "user", id: user.id, label: email },
      details: { role },
    });
    return { userId: user.id, inviteToken };
  });
}

/** A fresh invite link for a member who has not set a password yet (the old link stops working). */
export function reissueInvite(db: Db, orgId: string, actor: Actor, userId: string) {
  return db.transaction((tx) => {
    const member = memberOf(tx, orgId, userId);
    if (member.passwordHash) throw conflict("This member has already set a password");
    tx.delete(invites).where(and(eq(invites.userId, userId), eq(invites.orgId, orgId))).run();
    const token = createInvite(tx, orgId, userId);
    recordAudit(tx, { orgId, actor, action: "invite.reissued", target: { type: "user", id: userId, label: member.email } });
    return token;
  });
}

function memberOf(tx: DbOrTx, orgId: string, userId: string) {
  const row = tx
    .select({ email: users.email, role: memberships.role, passwordHash: users.passwordHash })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
    .get();
  if (!row) throw notFound("Member");
  return row;
}

function ownerCount(tx: DbOrTx, orgId: string) {
  return tx.select({ n: count() }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner"))).get()?.n ?? 0;
}

const LAST_OWNER = "An organization needs at least one owner: make someone else owner first";

export function changeRole(db: Db, orgId: string, actor: Actor, userId: string, role: OrgRole) {
  db.transaction((tx) => {
    const member = memberOf(tx, orgId, userId);
    if (member.role === role) return;
    if (member.role === "owner" && ownerCount(tx, orgId) <= 1) throw new AppError("conflict", LAST_OWNER, { role: [LAST_OWNER] });
    tx.update(memberships).set({ role }).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))).run();
    recordAudit(tx, {
      orgId,
      actor,
      action: "member.role_changed",
      target: { type: "user", id: userId, label: member.email },
      details: { from: member.role, to: role },
    });
  });
}

export function removeMember(db: Db, orgId: string, actor: Actor, userId: string) {
  db.transaction((tx) => {
    const member = memberOf(tx, orgId, userId);
    if (member.role === "owner" && ownerCount(tx, orgId) <= 1) throw new AppError("conflict", LAST_OWNER);
    tx.delete(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))).run();
    const orgProducts = tx.select({ id: products.id }).from(products).where(eq(products.orgId, orgId)).all();
    for (const p of orgProducts) {
      tx.delete(productAdmins).where(and(eq(productAdmins.productId, p.id), eq(productAdmins.userId, userId))).run();
    }
    tx.delete(invites).where(and(eq(invites.userId, userId), eq(invites.orgId, orgId))).run();
    recordAudit(tx, { orgId, actor, action: "account.removed", target: { type: "user", id: userId, label: member.email } });
  });
}

/** The invite behind a link, if it is still usable. */
export function findInvite(db: DbOrTx, token: string, now = new Date()) {
  return (
    db
      .select({ id: invites.id, orgId: invites.orgId, userId: invites.userId, email: users.email })
      .from(invites)
      .innerJoin(users, eq(users.id, invites.userId))
      .where(and(eq(invites.tokenHash, sha256(token)), isNull(invites.usedAt), gt(invites.expiresAt, now)))
      .get() ?? null
  );
}

/** Uses an invite link once: sets the password and burns the link. */
export async function acceptInvite(db: Db, token: string, password: string) {
  const passwordHash = await hashPassword(password);
  return db.transaction((tx) => {
    const invite = findInvite(tx, token);
    if (!invite) throw new AppError("not_found", "This invite link is invalid, expired or already used");
    tx.update(invites).set({ usedAt: new Date() }).where(eq(invites.id, invite.id)).run();
    tx.update(users).set({ passwordHash }).where(eq(users.id, invite.userId)).run();
    recordAudit(tx, {
      orgId: invite.orgId,
      actor: { type: "user", id: invite.userId, label: invite.email },
      action: "invite.accepted",
      target: { type: "user", id: invite.userId, label: invite.email },
    });
    return { email: invite.email };
  });
}
