import { eq } from "drizzle-orm";
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
export function lockedUntil(db: DbOrTx, email: string, now = new Date()): Date | null {
  const row = db.select().from(loginThrottle).where(eq(loginThrottle.email, email)).get();
  return row?.lockedUntil && row.lockedUntil > now ? row.lockedUntil : null;
}

export function recordLoginFailure(db: DbOrTx, email: string, now = new Date()) {
  const row = db.select().from(loginThrottle).where(eq(loginThrottle.email, email)).get();
  const failures = (row?.failures ?? 0) + 1;
  const seconds = lockSecondsAfter(failures);
  const values = {
    failures,
    lastFailureAt: now,
    lockedUntil: seconds ? new Date(now.getTime() + seconds * 1000) : null,
  };
  db.insert(loginThrottle)
    .values({ email, ...values })
    .onConflictDoUpdate({ target: loginThrottle.email, set: values })
    .run();
  return values;
}

export function recordLoginSuccess(db: DbOrTx, email: string) {
  db.delete(loginThrottle).where(eq(loginThrottle.email, email)).run();
}
