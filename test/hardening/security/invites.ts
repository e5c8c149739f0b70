import type { SecurityAttack, SecurityContext } from "./types";
import { callAction, getPage, signInAs, tokenOf, type ActionAnswer } from "./console";

/**
 * Account takeover through invite links (issue #15, item 1). Any signed-in
 * user may create an org and "add" any e-mail to it; the answer must never be
 * a credential for someone else's account, an older link must not reset an
 * active account's password, and nobody is in an org before accepting.
 */

const ADD_MEMBER: [string, string] = ["app/o/[org]/members/actions.ts", "addMemberAction"];
const ACCEPT_INVITE: [string, string] = ["app/invite/[token]/actions.ts", "acceptInviteAction"];
const CREATE_ORG: [string, string] = ["app/orgs/new/actions.ts", "createOrgAction"];

const ATTACKER_PASSWORD = "the attacker's own password";
const VICTIM_PASSWORD = "the victim's real password";

async function addMember(ctx: SecurityContext, cookie: string, org: string, email: string, role: string) {
  const answer = await callAction(ctx.server, `/o/${org}/members`, ADD_MEMBER, { org, email, role }, cookie);
  if (!answer.result?.ok) throw new Error(`adding ${email} to ${org} failed: ${answer.status} ${answer.body.slice(0, 300)}`);
  return answer;
}

function acceptInvite(ctx: SecurityContext, inviteUrl: unknown, password: string) {
  const token = tokenOf(inviteUrl);
  return callAction(ctx.server, `/invite/${token}`, ACCEPT_INVITE, { token, password, confirmPassword: password });
}

/** The owner adds someone and that person sets a password through the link: a second signed-in account. */
async function activeAccount(ctx: SecurityContext, ownerCookie: string, email: string, password: string) {
  const added = await addMember(ctx, ownerCookie, ctx.sandbox.org, email, "member");
  const accepted = await acceptInvite(ctx, added.result?.data?.inviteUrl, password);
  if (!accepted.result?.ok) throw new Error(`${email} could not accept the invite: ${accepted.body.slice(0, 300)}`);
  const cookie = await signInAs(ctx.server, email, password);
  if (!cookie) throw new Error(`${email} cannot sign in after accepting the invite`);
  return cookie;
}

/** What the owner of the adding org sees: the shape of the answer, without the link's value. */
function shapeOf(answer: ActionAnswer) {
  const data = answer.result?.data ?? {};
  return JSON.stringify({ ok: answer.result?.ok, keys: Object.keys(data).sort(), types: Object.values(data).map((v) => typeof v) });
}

export const attacks: SecurityAttack[] = [
  {
    name: "an outsider's own org cannot hand them a credential for someone else's account",
    async run(ctx) {
      const failures: string[] = [];
      const { server, sandbox } = ctx;
      const owner = await signInAs(server, sandbox.ownerEmail, ctx.password);
      if (!owner) throw new Error("the seeded owner cannot sign in");
      const outsiderEmail = "outsider@invites.test";
      const outsider = await activeAccount(ctx, owner, outsiderEmail, ATTACKER_PASSWORD);

      // The victim is invited as an owner of the sandbox org and has not set a password yet.
      const pendingVictim = "pending-victim@invites.test";
      await addMember(ctx, owner, sandbox.org, pendingVictim, "owner");

      const created = await callAction(server, "/orgs/new", CREATE_ORG, { name: "Outsider Org" }, outsider);
      const evil = created.result?.data?.slug;
      if (!created.result?.ok || typeof evil !== "string") throw new Error(`the outsider could not create an org: ${created.body.slice(0, 300)}`);

      const targets = [
        { email: pendingVictim, what: "an account that has not set its password" },
        { email: sandbox.ownerEmail, what: "an active account (the seeded owner)" },
      ];
      const answers: ActionAnswer[] = [];
      for (const target of targets) {
        const answer = await addMember(ctx, outsider, evil, target.email, "member");
        answers.push(answer);
        const used = await acceptInvite(ctx, answer.result?.data?.inviteUrl, ATTACKER_PASSWORD);
        if (used.result?.ok) failures.push(`the outsider set the password of ${target.what} through their own org's invite link`);
        if (await signInAs(server, target.email, ATTACKER_PASSWORD))
          failures.push(`the outsider signed in as ${target.what} with a password of their choosing`);
      }
      if (!(await signInAs(server, sandbox.ownerEmail, ctx.password))) failures.push("the seeded owner's own password no longer works");

      // The same answer whether the e-mail has an account or not.
      answers.push(await addMember(ctx, outsider, evil, "nobody-yet@invites.test", "member"));
      const shapes = new Set(answers.map(shapeOf));
      if (shapes.size !== 1) failures.push(`adding an e-mail tells whether it has an account: answers differ (${[...shapes].join(" vs ")})`);
      return { failures, figures: { answerShapes: shapes.size } };
    },
  },
  {
    name: "an older invite link does nothing once the account is active, and nobody joins an org before accepting",
    async run(ctx) {
      const failures: string[] = [];
      const { server, sandbox } = ctx;
      const owner = await signInAs(server, sandbox.ownerEmail, ctx.password);
      if (!owner) throw new Error("the seeded owner cannot sign in");
      const outsider = await activeAccount(ctx, owner, "outsider2@invites.test", ATTACKER_PASSWORD);
      const created = await callAction(server, "/orgs/new", CREATE_ORG, { name: "Second Outsider Org" }, outsider);
      const evil = created.result?.data?.slug;
      if (!created.result?.ok || typeof evil !== "string") throw new Error(`the outsider could not create an org: ${created.body.slice(0, 300)}`);

      // The owner invites the victim; while the victim has not accepted, the outsider adds them too.
      const victim = "victim@invites.test";
      const legit = await addMember(ctx, owner, sandbox.org, victim, "admin");
      const older = await addMember(ctx, outsider, evil, victim, "member");
      const accepted = await acceptInvite(ctx, legit.result?.data?.inviteUrl, VICTIM_PASSWORD);
      if (!accepted.result?.ok) throw new Error(`the victim could not accept the owner's invite: ${accepted.body.slice(0, 300)}`);

      const reused = await acceptInvite(ctx, older.result?.data?.inviteUrl, ATTACKER_PASSWORD);
      if (reused.result?.ok) failures.push("the outsider's older link reset the active victim's password");
      if (await signInAs(server, victim, ATTACKER_PASSWORD)) failures.push("the outsider signed in as the victim through the older link");
      const victimCookie = await signInAs(server, victim, VICTIM_PASSWORD);
      if (!victimCookie) {
        failures.push("the victim's own password no longer works");
        return { failures };
      }

      // The outsider's org is not the victim's until they accept it: no access, not in the switcher.
      const page = await getPage(server, `/o/${evil}/notifications`, victimCookie);
      if (page.status === 200) failures.push(`the victim is in the outsider's org without accepting (GET /o/${evil}/notifications answered 200)`);
      const home = await getPage(server, `/o/${sandbox.org}/notifications`, victimCookie);
      if (home.status !== 200) failures.push(`the victim cannot open their own org (${home.status})`);
      if (home.html.includes("Second Outsider Org")) failures.push("the outsider's org is in the victim's org switcher before they accepted");
      return { failures };
    },
  },
];
