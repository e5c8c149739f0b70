import "server-only";
import { and, count, eq } from "drizzle-orm";
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { db, type DbOrTx } from "@/db/client";
import { memberships, orgs, productAdmins, products, users } from "@/db/schema";
import { authOptions } from "@/lib/auth/options";
import { authorizeBearer, type Authorized, type Org } from "@/lib/auth/bearer";
import { can, type Permission, type Principal } from "@/lib/auth/permissions";
import { env } from "@/lib/env";
import { AppError, forbidden, notFound } from "@/lib/errors";

export type { Authorized } from "@/lib/auth/bearer";

/** The signed-in user, re-read from the database so a removed user loses access at once. */
export async function currentUser() {
  const session = await getServerSession(authOptions);
  const uid = (session?.user as { id?: string } | undefined)?.id;
  if (!uid) return null;
  const [user] = await db().select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.id, uid)).limit(1);
  return user ?? null;
}

export async function hasAnyUser(database: DbOrTx = db()): Promise<boolean> {
  const [row] = await database.select({ n: count() }).from(users).limit(1);
  return (row?.n ?? 0) > 0;
}

/** For pages: the signed-in user, or a redirect to sign-in (or to first-run setup on an empty install). */
export async function requireUser() {
  const user = await currentUser();
  if (user) return user;
  redirect((await hasAnyUser()) ? "/login" : "/setup");
}

async function userPrincipal(database: DbOrTx, userId: string, email: string, org: Org): Promise<Principal | null> {
  const [membership] = await database
    .select()
    .from(memberships)
    .where(and(eq(memberships.orgId, org.id), eq(memberships.userId, userId)))
    .limit(1);
  if (!membership) return null;
  const administered = await database
    .select({ id: productAdmins.productId })
    .from(productAdmins)
    .innerJoin(products, eq(products.id, productAdmins.productId))
    .where(and(eq(productAdmins.userId, userId), eq(products.orgId, org.id)));
  return {
    kind: "user",
    userId,
    email,
    orgId: org.id,
    role: membership.role,
    productIds: new Set(administered.map((r) => r.id)),
  };
}

function check(principal: Principal, permission: Permission, productId?: string) {
  if (!can(principal, permission, productId)) throw forbidden();
}

/** Org by slug for someone who belongs to it; others get 404 so org names do not leak. */
async function orgBySlug(database: DbOrTx, slug: string): Promise<Org> {
  // No slug holds NUL, and PostgreSQL refuses the character in a query outright.
  if (slug.includes("\u0000")) throw notFound("Organization");
  const [org] = await database.select().from(orgs).where(eq(orgs.slug, slug)).limit(1);
  if (!org) throw notFound("Organization");
  return org;
}

/**
 * The one guard for the console: server actions and loaders call it with the
 * permission they need. Throws AppError (401/403/404).
 */
export async function authorize(orgSlug: string, permission: Permission, productId?: string): Promise<Authorized> {
  const user = await currentUser();
  if (!user) throw new AppError("unauthorized", "Sign in to continue");
  const database = db();
  const org = await orgBySlug(database, orgSlug);
  const principal = await userPrincipal(database, user.id, user.email, org);
  if (!principal) throw notFound("Organization");
  check(principal, permission, productId);
  return { principal, org };
}

/**
 * The same guard for `/api/v1`: a bearer token, or the console's session cookie.
 * `orgSlug` is the org named in the URL (or query); a token of another org gets 404.
 */
export async function authorizeRequest(req: Request, orgSlug: string | undefined, permission: Permission, productId?: string): Promise<Authorized> {
  const header = req.headers.get("authorization");
  if (header) return authorizeBearer(db(), header, orgSlug, permission, productId);
  const noCredentials = new AppError("unauthorized", "Send an API token as 'Authorization: Bearer <token>'");
  // Without a cookie there is no session to look up (and scripts get their 401 without a session read).
  if (!req.headers.get("cookie")) throw noCredentials;
  const user = await currentUser();
  if (!user) throw noCredentials;
  if (req.method !== "GET" && req.method !== "HEAD") assertSameOrigin(req);
  if (orgSlug === undefined) throw new AppError("bad_request", "Name the organization (the org parameter)");
  return authorize(orgSlug, permission, productId);
}

/**
 * Cookie-authenticated writes must come from our own pages (CSRF). X-Forwarded-Host counts only behind a
 * trusted proxy (HERALD_TRUST_PROXY=1); an Origin that is not a URL ("null" from a sandboxed frame) is refused.
 */
function assertSameOrigin(req: Request) {
  const origin = req.headers.get("origin");
  const host = (env().HERALD_TRUST_PROXY ? req.headers.get("x-forwarded-host") : null) ?? req.headers.get("host");
  let originHost: string | null = null;
  try {
    originHost = origin ? new URL(origin).host : null;
  } catch {
    originHost = null;
  }
  if (!originHost || !host || originHost !== host) {
    throw forbidden("Cross-origin request refused");
  }
}
