import { asc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, orgs } from "@/db/schema";

/** The orgs a user belongs to, with their role in each (for the org switcher). */
export async function orgsOfUser(db: DbOrTx, userId: string) {
  return db
    .select({ id: orgs.id, slug: orgs.slug, name: orgs.name, role: memberships.role })
    .from(memberships)
    .innerJoin(orgs, eq(orgs.id, memberships.orgId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(orgs.name), asc(orgs.id));
}
