import NextAuth from "next-auth";
import { encode } from "next-auth/jwt";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/client";
import { runSetup } from "@/lib/accounts/setup";
import { env } from "@/lib/env";
import { closeTestDb, testDb } from "@/test/db";

/**
 * Issue #15, item 5: a session cookie copied before sign-out (or a password
 * change, or "sign out everywhere") must be refused afterwards. Sign-in,
 * sign-out and the session lookup go through next-auth's own handler with
 * Herald's options; only Next's request plumbing (`next/headers`) is stood in
 * for, by a cookie jar the test controls.
 */

vi.stubEnv("NEXTAUTH_URL", "http://localhost:3000");

type Jar = Record<string, string>;
const browser = vi.hoisted(() => ({ jar: {} as Record<string, string> }));
// getServerSession() without a request reads next/headers; here it reads the jar of the "current browser".
vi.mock("next-auth", async (importOriginal) => {
  const real = await importOriginal<typeof import("next-auth")>();
  const res = { getHeader() {}, setHeader() {}, setCookie() {} };
  return {
    ...real,
    getServerSession: (...args: unknown[]) =>
      args.length === 1
        ? real.getServerSession({ cookies: { ...browser.jar }, headers: {} } as never, res as never, args[0] as never)
        : real.getServerSession(...(args as [])),
  };
});
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {} }));

const { authOptions } = await import("./options");
const { currentUser } = await import("./authorize");
const { getServerSession } = await import("next-auth");

const PASSWORD = "a long enough password";
let db: Db;
let ownerId: string;
beforeEach(async () => {
  db = await testDb();
  ownerId = (await runSetup(db, { orgName: "Acme", email: "owner@acme.test", password: PASSWORD, confirmPassword: PASSWORD })).user.id;
});

afterEach(async () => {
  await closeTestDb(db);
});

/** One request to next-auth's handler (/api/auth/<action>), as the route does; Set-Cookie answers update the jar. */
async function auth(action: string, jar: Jar, options: { method?: "GET" | "POST"; body?: Record<string, string>; providerId?: string } = {}) {
  const out = { status: 200, headers: {} as Record<string, unknown>, body: undefined as unknown };
  const res = {
    status(code: number) {
      out.status = code;
      return res;
    },
    getHeader: (key: string) => out.headers[key.toLowerCase()],
    setHeader(key: string, value: unknown) {
      out.headers[key.toLowerCase()] = value;
      return res;
    },
    send: (body: unknown) => void (out.body = body),
    json: (body: unknown) => void (out.body = body),
    end: () => {},
  };
  const req = {
    method: options.method ?? "GET",
    query: { nextauth: [action, ...(options.providerId ? [options.providerId] : [])] },
    body: options.body,
    cookies: { ...jar },
    headers: { host: "localhost:3000" },
  };
  await NextAuth(req as never, res as never, authOptions);
  for (const line of ([] as string[]).concat((out.headers["set-cookie"] as string[] | undefined) ?? [])) {
    const [pair, ...attributes] = line.split(";").map((p) => p.trim());
    const name = pair.slice(0, pair.indexOf("="));
    const value = decodeURIComponent(pair.slice(pair.indexOf("=") + 1));
    const expires = attributes.find((a) => /^expires=/i.test(a));
    const gone = !value || attributes.some((a) => /^max-age=0$/i.test(a)) || (expires !== undefined && new Date(expires.slice(8)).getTime() <= Date.now());
    if (gone) delete jar[name];
    else jar[name] = value;
  }
  return out;
}

/** A browser that signed in through next-auth's credentials callback. */
async function signIn(email = "owner@acme.test", password = PASSWORD): Promise<Jar> {
  const jar: Jar = {};
  const { csrfToken } = (await auth("csrf", jar)).body as { csrfToken: string };
  await auth("callback", jar, { method: "POST", providerId: "credentials", body: { csrfToken, email, password, callbackUrl: "http://localhost:3000/" } });
  expect(
    Object.keys(jar).some((k) => k.includes("session-token")),
    "signed in",
  ).toBe(true);
  return jar;
}

async function signOut(jar: Jar) {
  const { csrfToken } = (await auth("csrf", jar)).body as { csrfToken: string };
  await auth("signout", jar, { method: "POST", body: { csrfToken, callbackUrl: "http://localhost:3000/login" } });
}

/** Who the server thinks the cookie belongs to (the guard every page, action and API call uses). */
async function userOf(jar: Jar) {
  browser.jar = { ...jar };
  return (await currentUser())?.id;
}

describe("a copied session cookie", () => {
  it("is refused once its session signed out, and cannot be renewed through /api/auth/session", async () => {
    const jar = await signIn();
    const copied = { ...jar };
    expect(await userOf(copied)).toBe(ownerId);
    await signOut(jar);
    expect(await userOf(copied)).toBeUndefined();
    const renewed = { ...copied };
    const answer = await auth("session", renewed);
    expect((answer.body as { user?: { id?: string } })?.user?.id).toBeUndefined();
    expect(await userOf(renewed)).toBeUndefined();
  });

  it("signing out one session leaves the person's other sessions alone", async () => {
    const laptop = await signIn();
    const phone = await signIn();
    await signOut(laptop);
    expect(await userOf(phone)).toBe(ownerId);
  });

  it("every session ends with Sign out everywhere, including ones in other browsers", async () => {
    const laptop = await signIn();
    const phone = await signIn();
    const { signOutEverywhereAction } = await import("@/app/o/[org]/session-actions");
    browser.jar = { ...laptop };
    expect(await signOutEverywhereAction({})).toMatchObject({ ok: true });
    expect(await userOf(phone)).toBeUndefined();
    expect(await userOf(laptop)).toBeUndefined();
    // Signing in again works.
    expect(await userOf(await signIn())).toBe(ownerId);
  });

  it("Sign out everywhere needs a live session", async () => {
    const { signOutEverywhereAction } = await import("@/app/o/[org]/session-actions");
    browser.jar = {};
    expect(await signOutEverywhereAction({})).toMatchObject({ ok: false });
  });

  it("every session ends when the account's password is set", async () => {
    const jar = await signIn();
    const { setPassword } = await import("./sessions");
    const { hashPassword } = await import("./password");
    const hash = await hashPassword("a brand new password");
    await db.transaction((tx) => setPassword(tx, ownerId, hash));
    expect(await userOf(jar)).toBeUndefined();
    expect(await userOf(await signIn("owner@acme.test", "a brand new password"))).toBe(ownerId);
  });

  it("is refused 12 hours after sign-in even if it was renewed since", async () => {
    const jar = await signIn();
    const name = Object.keys(jar).find((k) => k.includes("session-token"))!;
    const { decode } = await import("next-auth/jwt");
    const token = (await decode({ token: jar[name], secret: env().authSecret }))!;
    expect(await userOf(jar)).toBe(ownerId);
    // The same session, renewed a minute ago (a fresh expiry), but signed in 12 h and 1 minute ago.
    const signedInAt = Date.now() - (12 * 3600 + 60) * 1000;
    const old = await encode({ token: { ...token, authAt: signedInAt }, secret: env().authSecret, maxAge: 12 * 3600 });
    expect(await userOf({ ...jar, [name]: old })).toBeUndefined();
  });

  it("a session made with getServerSession(req, res) (API routes) sees the same refusal", async () => {
    const jar = await signIn();
    const copied = { ...jar };
    await signOut(jar);
    const session = await getServerSession({ cookies: copied, headers: {} } as never, { getHeader() {}, setHeader() {}, setCookie() {} } as never, authOptions);
    expect((session?.user as { id?: string } | undefined)?.id).toBeUndefined();
  });
});
