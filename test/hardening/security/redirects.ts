import { getPage, signInAs } from "./console";
import type { SecurityAttack } from "./types";

/**
 * Open redirect after sign-in (issue #15, item 3): `/login?callbackUrl=…`
 * sends a signed-in visitor (and one who just signed in) to the callback
 * address. Addresses that a browser reads as another host — a backslash, a
 * tab or newline the URL parser drops, a scheme-relative or absolute URL —
 * must end on this server.
 */

const CALLBACKS = [
  "/\\evil.example/x",
  "/%09/evil.example/x",
  "/%0a/evil.example/x",
  "%2F%5Cevil.example%2Fx",
  "//evil.example/x",
  "/%2F/evil.example/x",
  "\\\\evil.example/x",
  "https://evil.example/x",
  "https:evil.example/x",
  "http://127.0.0.1.evil.example/x",
  "javascript:alert(1)",
];

export const attacks: SecurityAttack[] = [
  {
    name: "the callback address after sign-in stays on this server",
    async run({ server, sandbox, password }) {
      const failures: string[] = [];
      const cookie = await signInAs(server, sandbox.ownerEmail, password);
      if (!cookie) throw new Error("the seeded owner cannot sign in");
      const origin = new URL(server.url).origin;
      for (const raw of CALLBACKS) {
        // Sent as typed into the address bar: the query string is left as is (escapes included).
        const page = await getPage(server, `/login?callbackUrl=${raw.replace(/\\/g, "%5C")}`, cookie);
        if (page.status < 300 || page.status >= 400) {
          failures.push(`/login?callbackUrl=${raw} signed in answered ${page.status}, not a redirect`);
          continue;
        }
        const target = new URL(page.location, server.url);
        if (target.origin !== origin || target.protocol !== "http:") failures.push(`/login?callbackUrl=${raw} redirects a signed-in visitor to ${target.href}`);
      }
      // next-auth's own sign-in answer names where to go next.
      const csrfRes = await fetch(`${server.url}/api/auth/csrf`);
      const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
      const jar = csrfRes.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      for (const callbackUrl of ["/\\evil.example/x", "https://evil.example/x", "/\t/evil.example/x"]) {
        const res = await fetch(`${server.url}/api/auth/callback/credentials`, {
          method: "POST",
          redirect: "manual",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar },
          body: new URLSearchParams({ csrfToken, email: sandbox.ownerEmail, password, callbackUrl, json: "true" }),
        });
        const body = (await res.json().catch(() => ({}))) as { url?: string };
        const to = new URL(body.url ?? res.headers.get("location") ?? "/", server.url);
        if (to.origin !== origin) failures.push(`next-auth's sign-in with callbackUrl=${JSON.stringify(callbackUrl)} sends the browser to ${to.href}`);
      }
      return { failures, figures: { callbacks: CALLBACKS.length + 3 } };
    },
  },
];
