import crypto from "node:crypto";
import { eq, lt, sql } from "drizzle-orm";
import { prepared, type DbOrTx } from "@/db/client";
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

// Read on every console request: a prepared statement, two primary-key lookups.
const LIVE_SESSION_SQL = `SELECT session_version AS version, EXISTS (SELECT 1 FROM ended_sessions WHERE id = ?) AS ended FROM users WHERE id = ?`;

export function sessionIsLive(db: DbOrTx, token: SessionClaims, now = Date.now()): boolean {
  // A cookie from before sessions were versioned carries no sid: it is not honoured.
  if (!wellFormed(token) || now >= token.authAt + SESSION_MAX_AGE * 1000) return false;
  const row = prepared(db, LIVE_SESSION_SQL).get(token.sid, token.uid) as { version: number; ended: number } | undefined;
  return !!row && row.version === token.sv && !row.ended;
}

/** Signing out: this session ends, the person's other sessions go on. */
export function endSession(db: DbOrTx, token: SessionClaims, now = Date.now()) {
  if (!wellFormed(token)) return;
  const expiresAt = new Date(token.authAt + SESSION_MAX_AGE * 1000);
  if (expiresAt.getTime() <= now) return;
  db.insert(endedSessions).values({ id: token.sid, expiresAt }).onConflictDoNothing().run();
  // Rows of sessions that are past their lifetime anyway are not needed any more.
  db.delete(endedSessions).where(lt(endedSessions.expiresAt, new Date(now))).run();
}

/** "Sign out everywhere": every session of the account ends. */
export function endAllSessions(db: DbOrTx, userId: string) {
  db.update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId))
    .run();
}

/** The one way a password is written: every session of the account ends with it. */
export function setPassword(db: DbOrTx, userId: string, passwordHash: string) {
  db.update(users)
    .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, userId))
    .run();
}
