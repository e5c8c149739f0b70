import fs from "node:fs";
import { repoFile, type Server } from "../herald";

/**
 * The console as a browser drives it, over plain HTTP: next-auth's credentials
 * sign-in and sign-out, pages, and server actions (a POST with the action's id,
 * the way the React client calls them). The ids come from the production
 * build's server-reference manifest, by file and export name.
 */

type Manifest = { node: Record<string, { filename?: string; exportedName?: string }> };
let manifest: Manifest | undefined;

export function actionId(filename: string, exportedName: string): string {
  manifest ??= JSON.parse(fs.readFileSync(repoFile(".next/server/server-reference-manifest.json"), "utf8")) as Manifest;
  const found = Object.entries(manifest.node).find(([, v]) => v.filename === filename && v.exportedName === exportedName);
  if (!found) throw new Error(`no server action ${filename}#${exportedName} in the build (run npm run build)`);
  return found[0];
}

export type ActionAnswer = { status: number; result: { ok?: boolean; data?: Record<string, unknown>; formError?: string } | null; body: string };

/**
 * Calls a server action as the page at `pagePath` would. `result` is the
 * action's return value (line 1 of the RSC answer), or null when there is none.
 */
export async function callAction(server: Server, pagePath: string, action: [file: string, name: string], input: unknown, cookie = ""): Promise<ActionAnswer> {
  const res = await fetch(`${server.url}${pagePath}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      accept: "text/x-component",
      "content-type": "text/plain;charset=UTF-8",
      "next-action": actionId(...action),
      origin: server.url,
      ...(cookie ? { cookie } : {}),
    },
    body: JSON.stringify([input]),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await res.text();
  const line = body.split("\n").find((l) => l.startsWith("1:"));
  let result: ActionAnswer["result"] = null;
  try {
    result = line ? (JSON.parse(line.slice(2)) as ActionAnswer["result"]) : null;
  } catch {
    result = null;
  }
  return { status: res.status, result, body };
}

function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(";")[0]);
}

/** A session cookie (plus next-auth's csrf cookie) for e-mail + password, or null when sign-in is refused. */
export async function signInAs(server: Server, email: string, password: string): Promise<string | null> {
  const csrfRes = await fetch(`${server.url}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const cookies = cookiesOf(csrfRes);
  const res = await fetch(`${server.url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${server.url}/`, json: "true" }),
  });
  const session = cookiesOf(res).find((c) => c.includes("session-token") && !c.endsWith("="));
  return session ? [...cookies, session].join("; ") : null;
}

/** Signs out as the browser's Sign out button does (next-auth's POST /api/auth/signout with its csrf token). */
export async function signOut(server: Server, cookie: string): Promise<number> {
  const csrfRes = await fetch(`${server.url}/api/auth/csrf`, { headers: { cookie } });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const fresh = cookiesOf(csrfRes);
  const jar = fresh.length ? [...cookie.split("; ").filter((c) => !c.includes("csrf-token")), ...fresh].join("; ") : cookie;
  const res = await fetch(`${server.url}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar },
    body: new URLSearchParams({ csrfToken, callbackUrl: `${server.url}/login`, json: "true" }),
  });
  return res.status;
}

/** GET a console page with a cookie: the status, where it redirects, and the HTML. */
export async function getPage(server: Server, pagePath: string, cookie: string) {
  const res = await fetch(`${server.url}${pagePath}`, { redirect: "manual", headers: { cookie }, signal: AbortSignal.timeout(30_000) });
  return { status: res.status, location: res.headers.get("location") ?? "", html: await res.text() };
}

/** The invite token at the end of an invite URL. */
export function tokenOf(inviteUrl: unknown): string {
  return typeof inviteUrl === "string" ? (inviteUrl.split("/invite/")[1] ?? "") : "";
}
