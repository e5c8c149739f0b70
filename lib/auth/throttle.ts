import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { loginThrottle } from "@/db/schema";

/** Failures allowed before sign-in for an e-mail is slowed down. */
export const FREE_FAILURES = 5;
const MAX_LOCK_SECONDS = 15 * 60;

/** Seconds to wait after the nth consecutive failure: 0 for the first five, then 1, 2, 4 … up to 15 min. */
export function lockSecondsAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(2 ** (failures - FREE_FAILURES), MAX_LOCK_SECONDS);
}

/** The time until which sign-in for this e-mail is refused, or null. */
export async function lockedUntil(db: DbOrTx, email: string, now = new Date()): Promise<Date | null> {
  const [row] = await db.select().from(loginThrottle).where(eq(loginThrottle.email, email)).limit(1);
  return row?.lockedUntil && row.lockedUntil > now ? row.lockedUntil : null;
}

/**
 * Counts one more failure. The count goes up in the statement that stores it,
 * so failures at the same moment (PostgreSQL runs them side by side) each
 * count; the lock is then set for the count this failure reached, unless a
 * later failure (or a success) has changed the row since.
 */
export async function recordLoginFailure(db: DbOrTx, email: string, now = new Date()) {
  const [counted] = await db
    .insert(loginThrottle)
    .values({ email, failures: 1, lastFailureAt: now, lockedUntil: null })
    .onConflictDoUpdate({ target: loginThrottle.email, set: { failures: sql`${loginThrottle.failures} + 1`, lastFailureAt: now } })
    .returning({ failures: loginThrottle.failures });
  const failures = counted.failures;
  const seconds = lockSecondsAfter(failures);
  const values = {
    failures,
    lastFailureAt: now,
    lockedUntil: seconds ? new Date(now.getTime() + seconds * 1000) : null,
  };
  await db
    .update(loginThrottle)
    .set({ lockedUntil: values.lockedUntil })
    .where(and(eq(loginThrottle.email, email), eq(loginThrottle.failures, failures)));
  return values;
}

export async function recordLoginSuccess(db: DbOrTx, email: string) {
  await db.delete(loginThrottle).where(eq(loginThrottle.email, email));
}
