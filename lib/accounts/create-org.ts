import type { Db } from "@/db/client";
import { memberships, orgs } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import { createOrgDefaults } from "./org-defaults";
import type { Actor } from "@/lib/auth/permissions";
import { newId } from "@/lib/ids";
import { lockOrgCreation } from "./locks";
import { freeOrgSlug } from "./setup";

/** A signed-in user creates another organization and becomes its owner. */
export async function createOrg(db: Db, userId: string, actor: Actor, name: string) {
  return db.transaction(async (tx) => {
    // Two orgs of the same name created at once must not pick the same free slug.
    await lockOrgCreation(tx);
    const org = { id: newId("org"), slug: await freeOrgSlug(tx, name), name };
    await tx.insert(orgs).values(org);
    await tx.insert(memberships).values({ orgId: org.id, userId, role: "owner" });
    await createOrgDefaults(tx, org.id);
    await recordAudit(tx, { orgId: org.id, actor, action: "org.created", target: { type: "org", id: org.id, label: name } });
    return org;
  });
}
