import crypto from "node:crypto";
import { and, asc, count, eq, gt, isNull } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { invites, memberships, orgs, productAdmins, products, users, type OrgRole } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { hashPassword } from "@/lib/auth/password";
import { setPassword } from "@/lib/auth/sessions";
import { AppError, conflict, isUniqueViolation, notFound } from "@/lib/errors";
import { newId, sha256 } from "@/lib/ids";
import { lockOrg, lockUser } from "./locks";

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

/** The org's members: people who accepted (pending invitations are listed by `listInvitations`). */
export async function listMembers(db: DbOrTx, orgId: string) {
  return db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, joined: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(users.email), asc(users.id));
}

/** The products each member of the org administers, by user id (the Members page, the header's role, where a product admin lands). */
export async function productsAdministered(db: DbOrTx, orgId: string): Promise<Map<string, { slug: string; name: string }[]>> {
  const rows = await db
    .select({ userId: productAdmins.userId, slug: products.slug, name: products.name })
    .from(productAdmins)
    .innerJoin(products, eq(products.id, productAdmins.productId))
    .where(eq(products.orgId, orgId))
    .orderBy(asc(products.name));
  const out = new Map<string, { slug: string; name: string }[]>();
  for (const { userId, slug, name } of rows) out.set(userId, [...(out.get(userId) ?? []), { slug, name }]);
  return out;
}

/**
 * The org's invitations not accepted yet. Only what the org itself chose
 * (e-mail, role, when): nothing about the account, so the list does not tell
 * whether the person had a Herald account already.
 */
export async function listInvitations(db: DbOrTx, orgId: string, now = new Date()) {
  return (
    await db
      .select({ userId: invites.userId, email: users.email, role: invites.role, invitedAt: invites.createdAt, expiresAt: invites.expiresAt })
      .from(invites)
      .innerJoin(users, eq(users.id, invites.userId))
      .where(and(eq(invites.orgId, orgId), isNull(invites.usedAt)))
      .orderBy(asc(users.email), asc(invites.id))
  ).map((i) => ({ ...i, expired: i.expiresAt <= now }));
}

async function pendingInvitation(tx: DbOrTx, orgId: string, userId: string) {
  const [row] = await tx
    .select({ id: invites.id, role: invites.role, email: users.email })
    .from(invites)
    .innerJoin(users, eq(users.id, invites.userId))
    .where(and(eq(invites.orgId, orgId), eq(invites.userId, userId), isNull(invites.usedAt)))
    .limit(1);
  return row;
}

/**
 * Whether a new link for this account may set its first password: only while
 * the account has never had one, and only if no other outstanding link (of
 * any org) already may. So the org whose invitation created the account holds
 * the one credential; another org adding the same e-mail meanwhile gets a
 * link that only lets the person, signed in as themselves, accept.
 */
async function mayCarryFirstPassword(tx: DbOrTx, userId: string) {
  // Two orgs inviting the same account at once (PostgreSQL) must not both hand out the first password.
  await lockUser(tx, userId);
  const [user] = await tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user || user.passwordHash) return false;
  const [holder] = await tx
    .select({ id: invites.id })
    .from(invites)
    .where(and(eq(invites.userId, userId), isNull(invites.usedAt), eq(invites.setsPassword, true)))
    .limit(1);
  return !holder;
}

async function createInvite(tx: DbOrTx, orgId: string, userId: string, role: OrgRole) {
  const token = crypto.randomBytes(24).toString("base64url");
  await tx.insert(invites).values({
    id: newId("inv"),
    orgId,
    userId,
    role,
    setsPassword: await mayCarryFirstPassword(tx, userId),
    tokenHash: sha256(token),
    expiresAt: new Date(Date.now() + INVITE_TTL_MS),
  });
  return token;
}

/**
 * Invites someone by e-mail. Nobody becomes a member here: the person
 * accepts through the link (returned here, shown once to the owner). The
 * answer is the same whether the e-mail had an account or not; the link sets
 * a password only for an account that never had one (see
 * `mayCarryFirstPassword`), otherwise the person signs in and accepts.
 */
export async function addMember(db: Db, orgId: string, actor: Actor, email: string, role: OrgRole) {
  const alreadyMember = () => conflict(`${email} is already a member`, { email: ["is already a member of this organization"] });
  try {
    return await db.transaction(async (tx) => {
      // Two owners inviting the same person at once must not make two invitations (PostgreSQL: checks run side by side).
      await lockOrg(tx, orgId);
      let [user] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
      if (user) {
        const [already] = await tx
          .select()
          .from(memberships)
          .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, user.id)))
          .limit(1);
        if (already) throw alreadyMember();
        if (await pendingInvitation(tx, orgId, user.id)) {
          throw conflict(`${email} is already invited`, { email: ["is already invited: send a new link from the list below"] });
        }
      } else {
        user = { id: newId("usr") };
        await tx.insert(users).values({ id: user.id, email });
      }
      const inviteToken = await createInvite(tx, orgId, user.id, role);
      await recordAudit(tx, { orgId, actor, action: "member.invited", target: { type: "user", id: user.id, label: email }, details: { role } });
      return { userId: user.id, inviteToken };
    });
  } catch (e) {
    // Two orgs creating the same new account at the same moment (PostgreSQL): the e-mail is taken by the other.
    if (isUniqueViolation(e)) {
      throw conflict(`${email} could not be invited just now`, { email: ["was being invited at the same moment: try again"] });
    }
    throw e;
  }
}

/** A fresh link for an invitation not accepted yet (the old link stops working). */
export async function reissueInvite(db: Db, orgId: string, actor: Actor, userId: string) {
  return db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const invitation = await pendingInvitation(tx, orgId, userId);
    if (!invitation) throw notFound("Invitation");
    await tx.delete(invites).where(and(eq(invites.orgId, orgId), eq(invites.userId, userId), isNull(invites.usedAt)));
    const token = await createInvite(tx, orgId, userId, invitation.role);
    await recordAudit(tx, { orgId, actor, action: "invite.reissued", target: { type: "user", id: userId, label: invitation.email } });
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
  const [row] = await tx
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner")))
    .limit(1);
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
    await tx
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)));
    await recordAudit(tx, {
      orgId,
      actor,
      action: "member.role_changed",
      target: { type: "user", id: userId, label: member.email },
      details: { from: member.role, to: role },
    });
  });
}

/** Removes a member, or withdraws an invitation not accepted yet. */
export async function removeMember(db: Db, orgId: string, actor: Actor, userId: string) {
  await db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const invitation = await pendingInvitation(tx, orgId, userId);
    const [isMember] = await tx
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
      .limit(1);
    if (invitation && !isMember) {
      await tx.delete(invites).where(and(eq(invites.orgId, orgId), eq(invites.userId, userId), isNull(invites.usedAt)));
      await recordAudit(tx, { orgId, actor, action: "invite.withdrawn", target: { type: "user", id: userId, label: invitation.email } });
      return;
    }
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

/** The invitation behind a link, if it is still usable. */
export async function findInvite(db: DbOrTx, token: string, now = new Date()) {
  const [invite] = await db
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
    .limit(1);
  return invite ?? null;
}

/** What the invite page may show about a link: never the password hash. */
export async function describeInvite(db: DbOrTx, token: string) {
  const invite = await findInvite(db, token);
  if (!invite) return null;
  const { passwordHash, setsPassword, ...shown } = invite;
  return { ...shown, setsPassword: setsPassword && !passwordHash };
}

const INVALID_LINK = "This invite link is invalid, expired or already used";

/** Accepting: the membership the invitation was issued for, nothing more; the link is burnt. */
async function join(tx: DbOrTx, invite: NonNullable<Awaited<ReturnType<typeof findInvite>>>) {
  // Burn the link only if it is still unused: two uses at once (PostgreSQL) must not both go through.
  const burned = await tx
    .update(invites)
    .set({ usedAt: new Date() })
    .where(and(eq(invites.id, invite.id), isNull(invites.usedAt)))
    .returning({ id: invites.id });
  if (!burned.length) throw new AppError("not_found", INVALID_LINK);
  await tx.insert(memberships).values({ orgId: invite.orgId, userId: invite.userId, role: invite.role }).onConflictDoNothing();
  await recordAudit(tx, {
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
  return db.transaction(async (tx) => {
    const invite = await findInvite(tx, token);
    if (!invite) throw new AppError("not_found", INVALID_LINK);
    // Two first-password links of one account used at once (PostgreSQL) must not both set a password.
    await lockUser(tx, invite.userId);
    const [account] = await tx.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, invite.userId)).limit(1);
    if (!invite.setsPassword || invite.passwordHash || account?.passwordHash) {
      throw new AppError("conflict", "This link does not set a password: sign in to your account and accept the invitation there.");
    }
    await join(tx, invite);
    await setPassword(tx, invite.userId, passwordHash);
    await tx
      .update(invites)
      .set({ setsPassword: false })
      .where(and(eq(invites.userId, invite.userId), isNull(invites.usedAt)));
    return { email: invite.email, org: invite.orgSlug };
  });
}

/** Someone signed in accepts an invitation to their own account, through its link. */
export async function joinOrg(db: Db, token: string, userId: string) {
  return db.transaction(async (tx) => {
    const invite = await findInvite(tx, token);
    if (!invite) throw new AppError("not_found", INVALID_LINK);
    if (invite.userId !== userId) throw new AppError("forbidden", "This invitation is for another account: sign in as the person it was sent to.");
    await join(tx, invite);
    return { org: invite.orgSlug };
  });
}
