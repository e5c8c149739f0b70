import crypto from "node:crypto";
import { and, asc, count, eq, gt, isNull } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { invites, memberships, orgs, productAdmins, products, users, type OrgRole } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { hashPassword } from "@/lib/auth/password";
import { setPassword } from "@/lib/auth/sessions";
import { AppError, conflict, notFound } from "@/lib/errors";
import { newId, sha256 } from "@/lib/ids";

export const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

/** The org's members: people who accepted (pending invitations are listed by `listInvitations`). */
export function listMembers(db: DbOrTx, orgId: string) {
  return db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, joined: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(users.email))
    .all();
}

/**
 * The org's invitations not accepted yet. Only what the org itself chose
 * (e-mail, role, when): nothing about the account, so the list does not tell
 * whether the person had a Herald account already.
 */
export function listInvitations(db: DbOrTx, orgId: string, now = new Date()) {
  return db
    .select({ userId: invites.userId, email: users.email, role: invites.role, invitedAt: invites.createdAt, expiresAt: invites.expiresAt })
    .from(invites)
    .innerJoin(users, eq(users.id, invites.userId))
    .where(and(eq(invites.orgId, orgId), isNull(invites.usedAt)))
    .orderBy(asc(users.email))
    .all()
    .map((i) => ({ ...i, expired: i.expiresAt <= now }));
}

function pendingInvitation(tx: DbOrTx, orgId: string, userId: string) {
  return tx
    .select({ id: invites.id, role: invites.role, email: users.email })
    .from(invites)
    .innerJoin(users, eq(users.id, invites.userId))
    .where(and(eq(invites.orgId, orgId), eq(invites.userId, userId), isNull(invites.usedAt)))
    .get();
}

/**
 * Whether a new link for this account may set its first password: only while
 * the account has never had one, and only if no other outstanding link (of
 * any org) already may. So the org whose invitation created the account holds
 * the one credential; another org adding the same e-mail meanwhile gets a
 * link that only lets the person, signed in as themselves, accept.
 */
function mayCarryFirstPassword(tx: DbOrTx, userId: string) {
  const user = tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).get();
  if (!user || user.passwordHash) return false;
  const holder = tx
    .select({ id: invites.id })
    .from(invites)
    .where(and(eq(invites.userId, userId), isNull(invites.usedAt), eq(invites.setsPassword, true)))
    .get();
  return !holder;
}

function createInvite(tx: DbOrTx, orgId: string, userId: string, role: OrgRole) {
  const token = crypto.randomBytes(24).toString("base64url");
  tx.insert(invites)
    .values({
      id: newId("inv"),
      orgId,
      userId,
      role,
      setsPassword: mayCarryFirstPassword(tx, userId),
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() + INVITE_TTL_MS),
    })
    .run();
  return token;
}

/**
 * Invites someone by e-mail. Nobody becomes a member here: the person
 * accepts through the link (returned here, shown once to the owner). The
 * answer is the same whether the e-mail had an account or not; the link sets
 * a password only for an account that never had one (see
 * `mayCarryFirstPassword`), otherwise the person signs in and accepts.
 */
export function addMember(db: Db, orgId: string, actor: Actor, email: string, role: OrgRole) {
  return db.transaction((tx) => {
    let user = tx.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
    if (user) {
      const already = tx
        .select()
        .from(memberships)
        .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, user.id)))
        .get();
      if (already) throw conflict(`${email} is already a member`, { email: ["is already a member of this organization"] });
      if (pendingInvitation(tx, orgId, user.id)) {
        throw conflict(`${email} is already invited`, { email: ["is already invited: send a new link from the list below"] });
      }
    } else {
      user = { id: newId("usr") };
      tx.insert(users).values({ id: user.id, email }).run();
    }
    const inviteToken = createInvite(tx, orgId, user.id, role);
    recordAudit(tx, { orgId, actor, action: "member.invited", target: { type: "user", id: user.id, label: email }, details: { role } });
    return { userId: user.id, inviteToken };
  });
}

/** A fresh link for an invitation not accepted yet (the old link stops working). */
export function reissueInvite(db: Db, orgId: string, actor: Actor, userId: string) {
  return db.transaction((tx) => {
    const invitation = pendingInvitation(tx, orgId, userId);
    if (!invitation) throw notFound("Invitation");
    tx.delete(invites).where(and(eq(invites.orgId, orgId), eq(invites.userId, userId), isNull(invites.usedAt))).run();
    const token = createInvite(tx, orgId, userId, invitation.role);
    recordAudit(tx, { orgId, actor, action: "invite.reissued", target: { type: "user", id: userId, label: invitation.email } });
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

/** Removes a member, or withdraws an invitation not accepted yet. */
export function removeMember(db: Db, orgId: string, actor: Actor, userId: string) {
  db.transaction((tx) => {
    const invitation = pendingInvitation(tx, orgId, userId);
    const isMember = tx.select({ role: memberships.role }).from(memberships).where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId))).get();
    if (invitation && !isMember) {
      tx.delete(invites).where(and(eq(invites.orgId, orgId), eq(invites.userId, userId), isNull(invites.usedAt))).run();
      recordAudit(tx, { orgId, actor, action: "invite.withdrawn", target: { type: "user", id: userId, label: invitation.email } });
      return;
    }
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

/** The invitation behind a link, if it is still usable. */
export function findInvite(db: DbOrTx, token: string, now = new Date()) {
  return (
    db
      .select({
        id: invites.id,
        orgId: invites.orgId,
        orgSlug: orgs.slug,
        orgName: orgs.name,
        userId: invites.userId,
        email: users.email,
        role: invites.role,
        setsPassword: invites.setsPassword,
        passwordHash: users.passwordHash,
      })
      .from(invites)
      .innerJoin(users, eq(users.id, invites.userId))
      .innerJoin(orgs, eq(orgs.id, invites.orgId))
      .where(and(eq(invites.tokenHash, sha256(token)), isNull(invites.usedAt), gt(invites.expiresAt, now)))
      .get() ?? null
  );
}

/** What the invite page may show about a link: never the password hash. */
export function describeInvite(db: DbOrTx, token: string) {
  const invite = findInvite(db, token);
  if (!invite) return null;
  const { passwordHash, setsPassword, ...shown } = invite;
  return { ...shown, setsPassword: setsPassword && !passwordHash };
}

const INVALID_LINK = "This invite link is invalid, expired or already used";

/** Accepting: the membership the invitation was issued for, nothing more; the link is burnt. */
function join(tx: DbOrTx, invite: NonNullable<ReturnType<typeof findInvite>>) {
  tx.update(invites).set({ usedAt: new Date() }).where(eq(invites.id, invite.id)).run();
  tx.insert(memberships).values({ orgId: invite.orgId, userId: invite.userId, role: invite.role }).onConflictDoNothing().run();
  recordAudit(tx, {
    orgId: invite.orgId,
    actor: { type: "user", id: invite.userId, label: invite.email },
    action: "account.created",
    target: { type: "user", id: invite.userId, label: invite.email },
    details: { role: invite.role, via: "invite" },
  });
}

/**
 * A person new to Herald accepts through the link: it sets the account's
 * first password and joins the org. Refused for a link that does not carry
 * the first password (another org's, or once the account has a password);
 * once the account is active, no other link can set its password.
 */
export async function acceptInvite(db: Db, token: string, password: string) {
  const passwordHash = await hashPassword(password);
  return db.transaction((tx) => {
    const invite = findInvite(tx, token);
    if (!invite) throw new AppError("not_found", INVALID_LINK);
    if (!invite.setsPassword || invite.passwordHash) {
      throw new AppError("conflict", "This link does not set a password: sign in to your account and accept the invitation there.");
    }
    setPassword(tx, invite.userId, passwordHash);
    join(tx, invite);
    tx.update(invites).set({ setsPassword: false }).where(and(eq(invites.userId, invite.userId), isNull(invites.usedAt))).run();
    return { email: invite.email, org: invite.orgSlug };
  });
}

/** Someone signed in accepts an invitation to their own account, through its link. */
export function joinOrg(db: Db, token: string, userId: string) {
  return db.transaction((tx) => {
    const invite = findInvite(tx, token);
    if (!invite) throw new AppError("not_found", INVALID_LINK);
    if (invite.userId !== userId) throw new AppError("forbidden", "This invitation is for another account: sign in as the person it was sent to.");
    join(tx, invite);
    return { org: invite.orgSlug };
  });
}
