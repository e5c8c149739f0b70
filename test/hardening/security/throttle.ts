import bcrypt from "bcryptjs";
import { withDatabase } from "../herald";
import { signInAs } from "./console";
import type { SecurityAttack, SecurityContext } from "./types";

/**
 * The sign-in throttle (issue #15, item 2), attacked concurrently: each guess
 * must be counted before its password is compared, so a burst of guesses for
 * one e-mail gets five compared and the rest refused (the right password in
 * the burst included); and one client guessing many e-mails is limited too,
 * whatever X-Forwarded-For it claims. These run last: they lock this client out.
 */

const VICTIM_PASSWORD = "the victim's right password";

function failedChecks(ctx: SecurityContext, emails: string[]): number {
  return withDatabase(ctx.sandbox, (sqlite) => {
    const rows = sqlite.prepare("SELECT actor_label FROM audit_entries WHERE action = 'signin.failed'").all() as { actor_label: string }[];
    return rows.filter((r) => emails.includes(r.actor_label)).length;
  });
}

export const attacks: SecurityAttack[] = [
  {
    name: "40 concurrent wrong passwords and the right one: five compared, the right one refused",
    async run(ctx) {
      const { server } = ctx;
      const email = "victim@throttle.test";
      const hash = bcrypt.hashSync(VICTIM_PASSWORD, 11);
      withDatabase(ctx.sandbox, (sqlite) =>
        sqlite
          .prepare("INSERT INTO users (id, email, password_hash, session_version, created_at) VALUES (?, ?, ?, 0, ?)")
          .run("usr_throttlevictim0001", email, hash, Date.now()),
      );
      const burst = Array.from({ length: 40 }, (_, i) => signInAs(server, email, `wrong guess ${i}`));
      const right = signInAs(server, email, VICTIM_PASSWORD);
      const results = await Promise.all([...burst, right]);
      const failures: string[] = [];
      const compared = failedChecks(ctx, [email]);
      if (compared > 5) failures.push(`${compared} of 40 concurrent wrong guesses were compared with the hash (at most 5 may be)`);
      if (results.slice(0, 40).some(Boolean)) failures.push("a wrong password signed in");
      if (results[40]) failures.push("the right password sent in the burst signed in");
      return { failures, figures: { compared, rightOneSignedIn: !!results[40] } };
    },
  },
  {
    name: "one client guessing many e-mails is limited, whatever X-Forwarded-For says",
    async run(ctx) {
      const { server, sandbox, password } = ctx;
      const emails = Array.from({ length: 60 }, (_, i) => `spray${i}@throttle.test`);
      for (const [i, email] of emails.entries()) {
        // A client that claims another address on every request (no trusted proxy here).
        await fetchSignIn(ctx, email, i);
      }
      const failures: string[] = [];
      const compared = failedChecks(ctx, emails);
      if (compared > 31) failures.push(`${compared} of 60 guesses at different e-mails from one client were compared (the per-client limit is 30)`);
      if (await signInAs(server, sandbox.ownerEmail, password)) failures.push("after the spray, this client still signs in (its address is not limited)");
      return { failures, figures: { compared } };
    },
  },
];

async function fetchSignIn({ server }: SecurityContext, email: string, i: number) {
  const csrfRes = await fetch(`${server.url}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = csrfRes.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  await fetch(`${server.url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: jar,
      "x-forwarded-for": `203.0.113.${i % 250}`,
      "x-real-ip": `198.51.100.${i % 250}`,
    },
    body: new URLSearchParams({ csrfToken, email, password: "a wrong password", callbackUrl: `${server.url}/`, json: "true" }),
  });
}
