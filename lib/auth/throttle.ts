import { eq, sql } from "drizzle-orm";
import { engineOf, type DbOrTx } from "@/db/client";
import { loginThrottle } from "@/db/schema";

/** Failures allowed before sign-in for an e-mail is slowed down. */
export const FREE_FAILURES = 5;
/** Failures allowed from one client address (over any e-mails) before it is slowed down. */
export const CLIENT_FREE_FAILURES = 30;
/**
 * The first lock: long enough that a whole burst of concurrent guesses —
 * which a loaded server may take seconds to read — meets it, so the sixth
 * guess of a burst is refused, not compared once a 1-second lock has passed.
 */
const FIRST_LOCK_SECONDS = 30;
const MAX_LOCK_SECONDS = 15 * 60;
/** A count with no failure for this long starts again from zero. */
const FORGET_AFTER_MS = 60 * 60 * 1000;

/** Seconds to wait after the nth consecutive failure for an e-mail: 0 for the first four, then 30, 60, 120 … up to 15 min. */
export function lockSecondsAfter(failures: number): number {
  return lockSeconds(failures, FREE_FAILURES);
}

function lockSeconds(failures: number, free: number): number {
  if (failures < free) return 0;
  return Math.min(FIRST_LOCK_SECONDS * 2 ** (failures - free), MAX_LOCK_SECONDS);
}

/** The throttle row of a client address (kept in the same table as e-mails; no e-mail contains "ip:"). */
export const clientKey = (address: string) => `ip:${address}`;

/** The time until which sign-in for this e-mail (or key) is refused, or null. */
export async function lockedUntil(db: DbOrTx, email: string, now = new Date()): Promise<Date | null> {
  const [row] = await db.select().from(loginThrottle).where(eq(loginThrottle.email, email)).limit(1);
  return row?.lockedUntil && row.lockedUntil > now ? row.lockedUntil : null;
}

/**
 * Counts an attempt before its password is compared, in one statement: when
 * the key is not locked, its count goes up (and the lock that count earns is
 * set) and the new count comes back; when it is locked, nothing changes and
 * null comes back — the attempt is refused. Concurrent guesses therefore
 * each take their own number: the sixth for an e-mail finds it locked.
 */
export async function reserveAttempt(db: DbOrTx, key: string, free: number, now = new Date()): Promise<number | null> {
  const at = now.getTime();
  // Times in raw SQL: milliseconds on SQLite, timestamptz on PostgreSQL (db/schema/kit.ts).
  const postgres = engineOf(db) === "postgres";
  const time = (ms: number) => (postgres ? sql`${new Date(ms).toISOString()}::timestamptz` : sql`${ms}`);
  const count = sql`(CASE WHEN ${loginThrottle.lastFailureAt} IS NOT NULL AND ${loginThrottle.lastFailureAt} < ${time(at - FORGET_AFTER_MS)} THEN 1 ELSE ${loginThrottle.failures} + 1 END)`;
  const seconds = postgres
    ? sql`LEAST(${FIRST_LOCK_SECONDS} * (1 << LEAST(${count} - ${free}, 10)), ${MAX_LOCK_SECONDS})`
    : sql`min(${FIRST_LOCK_SECONDS} * (1 << min(${count} - ${free}, 10)), ${MAX_LOCK_SECONDS})`;
  const lockEnd = postgres ? sql`${time(at)} + make_interval(secs => ${seconds})` : sql`${at} + ${seconds} * 1000`;
  const first = lockSeconds(1, free);
  const [row] = await db
    .insert(loginThrottle)
    .values({ email: key, failures: 1, lastFailureAt: now, lockedUntil: first ? new Date(at + first * 1000) : null })
    .onConflictDoUpdate({
      target: loginThrottle.email,
      set: {
        failures: count,
        lastFailureAt: now,
        lockedUntil: sql`(CASE WHEN ${count} < ${free} THEN NULL ELSE ${lockEnd} END)`,
      },
      setWhere: sql`${loginThrottle.lockedUntil} IS NULL OR ${loginThrottle.lockedUntil} <= ${time(at)}`,
    })
    .returning({ failures: loginThrottle.failures });
  return row?.failures ?? null;
}

/** The right password: the e-mail's count is cleared; the client's attempt is given back (it was no failure). */
export async function recordLoginSuccess(db: DbOrTx, email: string, clientAddress?: string) {
  await db.delete(loginThrottle).where(eq(loginThrottle.email, email));
  if (clientAddress) {
    await db
      .update(loginThrottle)
      .set({ failures: sql`(CASE WHEN ${loginThrottle.failures} > 0 THEN ${loginThrottle.failures} - 1 ELSE 0 END)` })
      .where(eq(loginThrottle.email, clientKey(clientAddress)));
  }
}
