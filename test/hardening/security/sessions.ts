import type { SecurityAttack, SecurityContext } from "./types";
import { callAction, getPage, signInAs, signOut } from "./console";

/**
 * Sessions that outlive sign-out (issue #15, item 5): a session cookie copied
 * before the person signs out (or signs out everywhere) must be refused by the
 * server afterwards, on pages, the API and next-auth's own session endpoint.
 */

const SIGN_OUT_EVERYWHERE: [string, string] = ["app/o/[org]/session-actions.ts", "signOutEverywhereAction"];

/** Every way a copied cookie could still be used; the failures name the ones that let it in. */
async function replay(ctx: SecurityContext, cookie: string, when: string): Promise<string[]> {
  const { server, sandbox } = ctx;
  const failures: string[] = [];
  const page = await getPage(server, `/o/${sandbox.org}/notifications`, cookie);
  if (page.status === 200) failures.push(`${when}: a copied cookie still opens the console (GET /o/${sandbox.org}/notifications answered 200)`);
  const api = await fetch(`${server.url}/api/v1/orgs/${sandbox.org}/products`, { headers: { cookie } });
  if (api.status !== 401) failures.push(`${when}: a copied cookie still reads the API (${api.status}, expected 401)`);
  const session = await fetch(`${server.url}/api/auth/session`, { headers: { cookie } });
  const body = (await session.json().catch(() => ({}))) as { user?: { id?: string } };
  if (body.user?.id) failures.push(`${when}: /api/auth/session still answers the signed-out user (and renews the cookie)`);
  // A renewed cookie from that answer must not work either.
  const renewed = session.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .find((c) => c.includes("session-token") && !c.endsWith("="));
  if (renewed) {
    const again = await getPage(server, `/o/${sandbox.org}/notifications`, renewed);
    if (again.status === 200) failures.push(`${when}: the cookie renewed by /api/auth/session opens the console`);
  }
  return failures;
}

export const attacks: SecurityAttack[] = [
  {
    name: "a cookie copied before sign-out is refused after it",
    async run(ctx) {
      const { server, sandbox } = ctx;
      const copied = await signInAs(server, sandbox.ownerEmail, ctx.password);
      if (!copied) throw new Error("the seeded owner cannot sign in");
      const before = await getPage(server, `/o/${sandbox.org}/notifications`, copied);
      if (before.status !== 200) throw new Error(`the fresh session does not open the console (${before.status})`);
      const other = await signInAs(server, sandbox.ownerEmail, ctx.password);
      await signOut(server, copied);
      const failures = await replay(ctx, copied, "after sign-out");
      // Signing out in one browser leaves the person's other sessions alone.
      if (other && (await getPage(server, `/o/${sandbox.org}/notifications`, other)).status !== 200) failures.push("signing out one session ended another one");
      return { failures };
    },
  },
  {
    name: "sign out everywhere ends every session of the person",
    async run(ctx) {
      const { server, sandbox } = ctx;
      const here = await signInAs(server, sandbox.ownerEmail, ctx.password);
      const elsewhere = await signInAs(server, sandbox.ownerEmail, ctx.password);
      if (!here || !elsewhere) throw new Error("the seeded owner cannot sign in");
      const answer = await callAction(server, `/o/${sandbox.org}/notifications`, SIGN_OUT_EVERYWHERE, {}, here);
      const failures: string[] = [];
      if (!answer.result?.ok) failures.push(`Sign out everywhere was refused: ${answer.status} ${answer.body.slice(0, 200)}`);
      failures.push(...(await replay(ctx, elsewhere, "after sign out everywhere (another browser)")));
      failures.push(...(await replay(ctx, here, "after sign out everywhere (the same browser)")));
      if (!(await signInAs(server, sandbox.ownerEmail, ctx.password))) failures.push("the owner cannot sign in again afterwards");
      return { failures };
    },
  },
];
