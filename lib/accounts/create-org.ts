import type { Db } from "@/db/client";
import { memberships, orgs } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import { createOrgDefaults } from "./org-defaults";
import type { Actor } from "@/lib/auth/permissions";
import { newId } from "@/lib/ids";
import { freeOrgSlug } from "./setup";

/** A signed-in user creates another organization and becomes its owner. */
export function createOrg(db: Db, userId: string, actor: Actor, name: string) {
  return db.transaction((tx) => {
    const org = { id: newId("org"), slug: freeOrgSlug(tx, name), name };
    tx.insert(orgs).values(org).run();
    tx.insert(memberships).values({ orgId: org.id, userId, role: "owner" }).run();
    createOrgDefaults(tx, org.id);
    recordAudit(tx, { orgId: org.id, actor, action: "org.created", target: { type: "org", id: org.id, label: name } });
    return org;
  });
}
