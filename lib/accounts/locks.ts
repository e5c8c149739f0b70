import { eq, sql } from "drizzle-orm";
import { engineOf, type DbOrTx } from "@/db/client";
import { orgs, users } from "@/db/schema";

/**
 * Checks that read before they write ("the last owner", "all members",
 * "the first user", "a free slug") hold only if no other transaction changes
 * the same thing in between. On SQLite every write transaction begins
 * IMMEDIATE and holds the database's one write lock, so they do. On
 * PostgreSQL transactions run side by side (READ COMMITTED), so these take a
 * lock first, held until the transaction ends.
 */

// Any fixed number: the key of the advisory lock under which orgs are created, one at a time.
const ORG_CREATION_LOCK = 7_260_418;

/**
 * Serialises changes to one org's name, members and product admins: the org's row,
 * FOR NO KEY UPDATE (which, unlike FOR UPDATE, does not wait for or block the
 * inserts that merely reference the org — events, audit entries).
 */
export async function lockOrg(tx: DbOrTx, orgId: string) {
  if (engineOf(tx) === "sqlite") return;
  await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, orgId)).for("no key update");
}

/** Serialises creating orgs (first-run setup, a free slug for a new org). */
export async function lockOrgCreation(tx: DbOrTx) {
  if (engineOf(tx) === "sqlite") return;
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${ORG_CREATION_LOCK})`);
}

/**
 * Serialises changes to one account's credentials (who may set its first
 * password, setting it): the user's row, FOR NO KEY UPDATE.
 */
export async function lockUser(tx: DbOrTx, userId: string) {
  if (engineOf(tx) === "sqlite") return;
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("no key update");
}
