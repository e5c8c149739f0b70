import path from "node:path";
import { startServer, stopServer, type Server } from "../herald";
import { actionId, signInAs } from "./console";
import type { SecurityAttack } from "./types";

/**
 * Robustness of the console's doors (issue #15, item 6): odd Origin headers,
 * huge server-action bodies and raw React reference strings as action
 * arguments must be refused with a 4xx, never a 500; forwarding headers from
 * a client must not be trusted unless HERALD_TRUST_PROXY=1; a server whose
 * public URL is https marks its session cookie Secure and sends HSTS; every
 * page carries a fresh CSP nonce on each of its scripts, no 'unsafe-inline'.
 */

/** A harmless server action of the build (a read): the requests below are refused before it would run. */
const ACTION: [string, string] = ["app/o/[org]/inbox/actions.ts", "unreadCountAction"];

/** A server-action POST from a signed-in browser (signed out, the proxy redirects to sign-in before Next reads the body). */
async function postAction(server: Server, org: string, body: BodyInit, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/o/${org}/notifications`, {
    method: "POST",
    redirect: "manual",
    headers: { accept: "text/x-component", "content-type": "text/plain;charset=UTF-8", "next-action": actionId(...ACTION), origin: server.url, ...headers },
    body,
    signal: AbortSignal.timeout(60_000),
    ...({ duplex: "half" } as object),
  }).catch((e: Error) => ({ status: 0, text: async () => String(e) }) as unknown as Response);
  return { status: res.status, body: (await res.text()).slice(0, 200) };
}

const NONCE = /'nonce-([A-Za-z0-9+/=_-]{16,})'/;

export const attacks: SecurityAttack[] = [
  {
    name: "Content-Security-Policy: a fresh nonce per page on every script, no 'unsafe-inline' scripts",
    async run({ server, sandbox, password }) {
      const failures: string[] = [];
      const cookie = await signInAs(server, sandbox.ownerEmail, password);
      if (!cookie) throw new Error("the seeded owner cannot sign in");
      const pages = ["/login", `/o/${sandbox.org}`, `/o/${sandbox.org}/notifications`, `/o/${sandbox.org}/settings`, "/no-such-page"];
      const nonces = new Set<string>();
      for (const page of pages) {
        for (let round = 0; round < 2; round++) {
          const res = await fetch(`${server.url}${page}`, { headers: { cookie }, redirect: "manual" });
          const html = await res.text();
          const policy = res.headers.get("content-security-policy") ?? "";
          const scriptSrc =
            policy
              .split(";")
              .map((d) => d.trim())
              .find((d) => d.startsWith("script-src")) ?? "";
          const nonce = NONCE.exec(scriptSrc)?.[1];
          if (scriptSrc.includes("'unsafe-inline'")) failures.push(`${page}: script-src allows 'unsafe-inline' (${scriptSrc})`);
          if (!nonce) {
            failures.push(`${page}: no nonce in script-src (${scriptSrc || "no script-src"})`);
            break;
          }
          nonces.add(nonce);
          const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
          const bare = scripts.filter((tag) => !tag.includes(`nonce="${nonce}"`));
          if (bare.length) failures.push(`${page}: ${bare.length} of ${scripts.length} script tags lack the nonce, e.g. ${bare[0].slice(0, 120)}`);
        }
      }
      const fetched = pages.length * 2;
      if (!failures.length && nonces.size !== fetched) failures.push(`${fetched} pages shared ${nonces.size} nonces: a nonce must be fresh for every response`);
      return { failures, figures: { pages: pages.length, distinctNonces: nonces.size } };
    },
  },
  {
    name: "odd Origin headers on cookie-authenticated API writes answer 403",
    async run({ server, sandbox, password }) {
      const failures: string[] = [];
      const cookie = await signInAs(server, sandbox.ownerEmail, password);
      if (!cookie) throw new Error("the seeded owner cannot sign in");
      for (const origin of ["null", "not a url", "http://", "file://", "http://[::1"]) {
        const res = await fetch(`${server.url}/api/v1/orgs/${sandbox.org}/products`, {
          method: "POST",
          headers: { cookie, origin, "content-type": "application/json" },
          body: JSON.stringify({ name: "Origin probe" }),
        });
        if (res.status !== 403) failures.push(`Origin: ${origin} answered ${res.status} (expected 403)`);
        const action = await postAction(server, sandbox.org, JSON.stringify([{}]), { cookie, origin });
        if (action.status !== 403) failures.push(`a server action with Origin: ${origin} answered ${action.status} (expected 403)`);
      }
      return { failures };
    },
  },
  {
    name: "a 10 MB server-action body answers 413",
    async run({ server, sandbox, password }) {
      const failures: string[] = [];
      const cookie = (await signInAs(server, sandbox.ownerEmail, password)) ?? "";
      const big = JSON.stringify(["x".repeat(10 * 1024 * 1024)]);
      const declared = await postAction(server, sandbox.org, big, { cookie });
      if (declared.status !== 413) failures.push(`10 MB with Content-Length answered ${declared.status} ${declared.body} (expected 413)`);
      const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent === 0) c.enqueue(new TextEncoder().encode('["'));
          if (sent++ < 10) c.enqueue(chunk);
          else {
            c.enqueue(new TextEncoder().encode('"]'));
            c.close();
          }
        },
      });
      const chunked = await postAction(server, sandbox.org, stream, { cookie });
      if (chunked.status !== 413) failures.push(`10 MB chunked (no Content-Length) answered ${chunked.status} ${chunked.body} (expected 413)`);
      return { failures };
    },
  },
  {
    name: "raw $-prefixed server-action arguments answer 422",
    async run({ server, sandbox, password }) {
      const failures: string[] = [];
      const cookie = (await signInAs(server, sandbox.ownerEmail, password)) ?? "";
      for (const arg of ["$Q1", "$@1", "$K1", "$F1", "$h1", "$T", "$1", "$W1", "$B1", "$i1", "$S", "$Q"]) {
        for (const body of [JSON.stringify([arg]), JSON.stringify([{ name: arg }])]) {
          const res = await postAction(server, sandbox.org, body, { cookie });
          if (res.status !== 422) failures.push(`action argument ${body} answered ${res.status} ${res.body.replace(/\s+/g, " ")} (expected 422)`);
        }
      }
      // An escaped dollar ("$$…", as React sends a string that starts with "$") is an ordinary string.
      const plain = await postAction(server, sandbox.org, JSON.stringify([{ name: "$$5 off" }]), { cookie });
      if (plain.status >= 400) failures.push(`an escaped "$$" string was refused (${plain.status})`);
      return { failures };
    },
  },
  {
    name: "X-Forwarded-Host from a client is not trusted (HERALD_TRUST_PROXY unset)",
    async run({ server, sandbox, password }) {
      const failures: string[] = [];
      const cookie = await signInAs(server, sandbox.ownerEmail, password);
      if (!cookie) throw new Error("the seeded owner cannot sign in");
      const evil = { origin: "http://evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "http" };
      const api = await fetch(`${server.url}/api/v1/orgs/${sandbox.org}/products`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", ...evil },
        body: JSON.stringify({ name: "Forwarded probe" }),
      });
      if (api.status !== 403) failures.push(`an API write from Origin evil.example with X-Forwarded-Host: evil.example answered ${api.status} (expected 403)`);
      const action = await postAction(server, sandbox.org, JSON.stringify([{}]), { ...evil, cookie });
      if (action.status < 400) failures.push(`a server action from Origin evil.example with X-Forwarded-Host: evil.example ran (${action.status})`);
      return { failures };
    },
  },
  {
    name: "an https public URL: session cookie Secure, HSTS on every answer",
    async run({ sandbox, password }) {
      const failures: string[] = [];
      const https = await startServer(sandbox, path.join(sandbox.dataDir, "https-server.log"), {
        HERALD_PUBLIC_URL: "https://herald.example",
        HERALD_WORKER: "off",
      });
      try {
        for (const p of ["/login", "/api/health", `/api/v1/orgs/${sandbox.org}/products`]) {
          const res = await fetch(`${https.url}${p}`, { redirect: "manual" });
          const hsts = res.headers.get("strict-transport-security") ?? "";
          if (!/max-age=\d{7,}/.test(hsts)) failures.push(`${p} has no HSTS (got ${JSON.stringify(hsts)})`);
        }
        const csrfRes = await fetch(`${https.url}/api/auth/csrf`);
        const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
        const jar = csrfRes.headers
          .getSetCookie()
          .map((c) => c.split(";")[0])
          .join("; ");
        const res = await fetch(`${https.url}/api/auth/callback/credentials`, {
          method: "POST",
          redirect: "manual",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar },
          body: new URLSearchParams({ csrfToken, email: sandbox.ownerEmail, password, callbackUrl: "https://herald.example/", json: "true" }),
        });
        const session = res.headers.getSetCookie().find((c) => c.includes("session-token"));
        if (!session) failures.push(`no session cookie from the https server (${res.status})`);
        else if (!/;\s*secure/i.test(session)) failures.push(`the session cookie is not Secure: ${session.split(";").slice(1).join(";")}`);
      } finally {
        await stopServer(https);
      }
      // The plain-http test server sends no HSTS (it would lock browsers out of a server that has no TLS).
      return { failures };
    },
  },
];
