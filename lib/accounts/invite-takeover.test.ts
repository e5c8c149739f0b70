import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/client";
import { memberships, users } from "@/db/schema";
import type { Actor } from "@/lib/auth/permissions";
import { checkCredentials } from "@/lib/auth/options";
import { closeTestDb, testDb } from "@/test/db";
import { createOrg } from "./create-org";
import { acceptInvite, addMember, describeInvite, joinOrg, reissueInvite, removeMember } from "./members";
import { orgsOfUser } from "./orgs";
import { runSetup } from "./setup";

/**
 * Issue #15, item 1: any signed-in user may create an org and "add" any
 * e-mail to it. Each test performs the takeover the issue describes, through
 * the domain functions and through the console's actions.
 */

const auth = vi.hoisted(() => ({ session: null as null | { user: { id: string } } }));
vi.mock("next-auth", async (importOriginal) => ({ ...(await importOriginal<object>()), getServerSession: async () => auth.session }));
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));

const { addMemberAction } = await import("@/app/o/[org]/members/actions");
const { acceptInviteAction } = await import("@/app/invite/[token]/actions");

const OWNER_PASSWORD = "a long enough password";
const ATTACKER_PASSWORD = "the attacker's own password";
const VICTIM_PASSWORD = "the victim's real password";

let db: Db;
let acme: { id: string; slug: string };
let ownerActor: Actor;
let outsider: { id: string; actor: Actor };
let evil: { id: string; slug: string };

beforeEach(async () => {
  db = await testDb();
  const setup = await runSetup(db, { orgName: "Acme", email: "owner@acme.test", password: OWNER_PASSWORD, confirmPassword: OWNER_PASSWORD });
  acme = setup.org;
  ownerActor = { type: "user", id: setup.user.id, label: setup.user.email };
  // The outsider is an ordinary member of Acme with their own password, who creates an org of their own.
  const invited = await addMember(db, acme.id, ownerActor, "outsider@acme.test", "member");
  await acceptInvite(db, invited.inviteToken!, ATTACKER_PASSWORD);
  outsider = { id: invited.userId, actor: { type: "user", id: invited.userId, label: "outsider@acme.test" } };
  evil = await createOrg(db, outsider.id, outsider.actor, "Outsider Org");
});

afterEach(async () => {
  await closeTestDb(db);
});

async function canSignIn(email: string, password: string) {
  return (await checkCredentials({ email, password })) !== null;
}

describe("an outsider's own org hands them no credential for someone else's account", () => {
  it("for an account invited elsewhere that has not set its password yet (invited as owner of Acme)", async () => {
    const legit = await addMember(db, acme.id, ownerActor, "victim@acme.test", "owner");
    const { inviteToken } = await addMember(db, evil.id, outsider.actor, "victim@acme.test", "member");
    await expect(acceptInvite(db, inviteToken!, ATTACKER_PASSWORD)).rejects.toThrow();
    expect(await canSignIn("victim@acme.test", ATTACKER_PASSWORD)).toBe(false);
    // The victim's own link still works, and only for the org that sent it.
    await acceptInvite(db, legit.inviteToken!, VICTIM_PASSWORD);
    expect(await canSignIn("victim@acme.test", VICTIM_PASSWORD)).toBe(true);
    expect((await orgsOfUser(db, legit.userId)).map((o) => [o.slug, o.role])).toEqual([[acme.slug, "owner"]]);
  });

  it("for an active account (Acme's owner)", async () => {
    const { inviteToken } = await addMember(db, evil.id, outsider.actor, "owner@acme.test", "member");
    await expect(acceptInvite(db, inviteToken ?? "no-link-at-all", ATTACKER_PASSWORD)).rejects.toThrow();
    expect(await canSignIn("owner@acme.test", ATTACKER_PASSWORD)).toBe(false);
    expect(await canSignIn("owner@acme.test", OWNER_PASSWORD)).toBe(true);
  });

  it("through the console's actions: the add-member answer's link does not set the victim's password", async () => {
    await addMember(db, acme.id, ownerActor, "victim@acme.test", "admin");
    auth.session = { user: { id: outsider.id } };
    const added = await addMemberAction({ org: evil.slug, email: "victim@acme.test", role: "member" });
    expect(added.ok).toBe(true);
    const url = added.ok ? added.data.inviteUrl : null;
    const token = url?.split("/invite/")[1] ?? "no-link-at-all";
    const used = await acceptInviteAction({ token, password: ATTACKER_PASSWORD, confirmPassword: ATTACKER_PASSWORD });
    expect(used.ok).toBe(false);
    expect(await canSignIn("victim@acme.test", ATTACKER_PASSWORD)).toBe(false);
  });
});

describe("an older link after the account became active", () => {
  it("does not reset the password (the outsider added the victim while their invite was pending)", async () => {
    const legit = await addMember(db, acme.id, ownerActor, "victim@acme.test", "admin");
    const older = await addMember(db, evil.id, outsider.actor, "victim@acme.test", "member");
    await acceptInvite(db, legit.inviteToken!, VICTIM_PASSWORD);
    await expect(acceptInvite(db, older.inviteToken!, ATTACKER_PASSWORD)).rejects.toThrow();
    expect(await canSignIn("victim@acme.test", ATTACKER_PASSWORD)).toBe(false);
    expect(await canSignIn("victim@acme.test", VICTIM_PASSWORD)).toBe(true);
  });
});

describe("adding an e-mail", () => {
  it("answers the same whether the person has an account, a pending one, or none", async () => {
    await addMember(db, acme.id, ownerActor, "pending@acme.test", "member");
    const answers = [];
    for (const email of ["nobody@elsewhere.test", "pending@acme.test", "owner@acme.test"])
      answers.push(await addMember(db, evil.id, outsider.actor, email, "member"));
    const shapes = answers.map((a) => ({ keys: Object.keys(a).sort(), token: typeof a.inviteToken }));
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
  });

  it("makes nobody a member before they accept: no membership, not in their org switcher, no access", async () => {
    const { userId } = await addMember(db, evil.id, outsider.actor, "owner@acme.test", "owner");
    expect(
      await db
        .select()
        .from(memberships)
        .where(and(eq(memberships.orgId, evil.id), eq(memberships.userId, userId))),
    ).toEqual([]);
    expect((await orgsOfUser(db, userId)).map((o) => o.slug)).toEqual([acme.slug]);
    auth.session = { user: { id: userId } };
    const asOwnerOfEvil = await addMemberAction({ org: evil.slug, email: "friend@elsewhere.test", role: "owner" });
    expect(asOwnerOfEvil.ok).toBe(false);
    expect(await db.select().from(users).where(eq(users.email, "friend@elsewhere.test"))).toEqual([]);
  });
});

describe("who may set an account's first password", () => {
  it("only the org whose invitation created the account, until it withdraws it; then the next link may", async () => {
    const legit = await addMember(db, acme.id, ownerActor, "new@elsewhere.test", "member");
    const other = await addMember(db, evil.id, outsider.actor, "new@elsewhere.test", "member");
    expect((await describeInvite(db, legit.inviteToken))?.setsPassword).toBe(true);
    expect((await describeInvite(db, other.inviteToken))?.setsPassword).toBe(false);
    // Acme withdraws: the account is as new as before, with no membership anywhere; a fresh link may set it.
    await removeMember(db, acme.id, ownerActor, legit.userId);
    expect((await describeInvite(db, other.inviteToken))?.setsPassword).toBe(false);
    const renewed = await reissueInvite(db, evil.id, outsider.actor, other.userId);
    expect((await describeInvite(db, renewed))?.setsPassword).toBe(true);
  });

  it("someone who sets the password of an e-mail they do not own gains no other org's invitation", async () => {
    // The outsider invites an e-mail nobody has used yet and sets its password themselves...
    const squat = await addMember(db, evil.id, outsider.actor, "ceo@acme.test", "member");
    await acceptInvite(db, squat.inviteToken, ATTACKER_PASSWORD);
    // ...then Acme invites that e-mail as owner and sends the link to the real person.
    const legit = await addMember(db, acme.id, ownerActor, "ceo@acme.test", "owner");
    await expect(acceptInvite(db, legit.inviteToken, ATTACKER_PASSWORD)).rejects.toThrow(/does not set a password/);
    // Signed in as that account, the outsider sees no Acme and cannot join without the link sent to the real person.
    expect((await orgsOfUser(db, squat.userId)).map((o) => o.slug)).toEqual([evil.slug]);
    await expect(joinOrg(db, "a-guessed-invite-token", squat.userId)).rejects.toThrow(/invalid, expired or already used/);
  });
});
