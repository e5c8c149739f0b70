import crypto from "node:crypto";
import { eq, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { endedSessions, users } from "@/db/schema";

/**
 * Console sessions are JWT cookies (next-auth), so the server must be told
 * when one ends before it expires. Each carries its own id (`sid`), the time
 * of sign-in (`authAt`) and the account's session version at sign-in (`sv`);
 * it is live while the account still has that version, its id was not signed
 * out, and it is younger than the session lifetime (renewing the cookie does
 * not extend that). Checked on every session read: one prepared statement,
 * two primary-key lookups (about 20 µs).
 */

/** Sessions last 12 hours from sign-in; a person signs in once per working day. */
export const SESSION_MAX_AGE = 12 * 3600;

/** A decoded session token: `uid`, `sid`, `sv` and `authAt` among next-auth's own claims. */
export type SessionClaims = Record<string, unknown>;

/** The claims a new session starts with. */
export function newSessionClaims(user: { id: string; sessionVersion: number }, now = Date.now()) {
  return { uid: user.id, sid: crypto.randomBytes(16).toString("base64url"), sv: user.sessionVersion, authAt: now };
}

function wellFormed(token: SessionClaims): token is SessionClaims & { uid: string; sid: string; sv: number; authAt: number } {
  return typeof token.uid === "string" && typeof token.sid === "string" && typeof token.sv === "number" && typeof token.authAt === "number";
}

function liveSessionQuery(db: DbOrTx) {
  // Read on every console request: a prepared statement, two primary-key lookups. A named
  // prepared statement on PostgreSQL (each pooled connection parses it once); SQLite's
  // builder keeps its better-sqlite3 statement.
  return db
    .select({
      version: users.sessionVersion,
      ended: sql<boolean>`EXISTS (SELECT 1 FROM ${endedSessions} WHERE ${endedSessions.id} = ${sql.placeholder("sid")})`.mapWith(Boolean),
    })
    .from(users)
    .where(eq(users.id, sql.placeholder("uid")))
    .prepare("herald_live_session");
}

// Built once per connection handle: building and preparing the query costs more than running it.
const liveSessionQueries = new WeakMap<DbOrTx, ReturnType<typeof liveSessionQuery>>();

export async function sessionIsLive(db: DbOrTx, token: SessionClaims, now = Date.now()): Promise<boolean> {
  // A cookie from before sessions were versioned carries no sid: it is not honoured.
  if (!wellFormed(token) || now >= token.authAt + SESSION_MAX_AGE * 1000) return false;
  let query = liveSessionQueries.get(db);
  if (!query) liveSessionQueries.set(db, (query = liveSessionQuery(db)));
  const [row] = await query.execute({ sid: token.sid, uid: token.uid });
  return !!row && row.version === token.sv && !row.ended;
}

/** Signing out: this session ends, the person's other sessions go on. */
export async function endSession(db: DbOrTx, token: SessionClaims, now = Date.now()) {
  if (!wellFormed(token)) return;
  const expiresAt = new Date(token.authAt + SESSION_MAX_AGE * 1000);
  if (expiresAt.getTime() <= now) return;
  await db.insert(endedSessions).values({ id: token.sid, expiresAt }).onConflictDoNothing();
  // Rows of sessions that are past their lifetime anyway are not needed any more.
  await db.delete(endedSessions).where(lt(endedSessions.expiresAt, new Date(now)));
}

/** "Sign out everywhere": every session of the account ends. */
export async function endAllSessions(db: DbOrTx, userId: string) {
  await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId));
}

/** The one way a password is written: every session of the account ends with it. */
export async function setPassword(db: DbOrTx, userId: string, passwordHash: string) {
  await db
    .update(users)
    .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId));
}
