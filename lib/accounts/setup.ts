import { count, eq } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { memberships, orgs, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import { createOrgDefaults } from "./org-defaults";
import { hashPassword } from "@/lib/auth/password";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { slugify } from "@/lib/validation/common";
import type { SetupInput } from "@/lib/validation/accounts";
import { lockOrgCreation } from "./locks";

const SETUP_DONE_MESSAGE = "Herald is already set up: sign in instead, or ask an owner to add you.";

/** A slug based on the name that no org has yet (acme, acme-2, acme-3 …). Callers hold lockOrgCreation. */
export async function freeOrgSlug(tx: DbOrTx, name: string): Promise<string> {
  const base = slugify(name);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base.slice(0, 60)}-${n}`;
    const [taken] = await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.slug, candidate)).limit(1);
    if (!taken) return candidate;
  }
}

/**
 * First-run setup: creates the first org and its owner. Refused once any user
 * exists, checked inside a write-locked transaction (SQLite: IMMEDIATE;
 * PostgreSQL: the org-creation lock) so two concurrent setups cannot both succeed.
 */
export async function runSetup(db: Db, input: SetupInput) {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    await lockOrgCreation(tx);
    const [existing] = await tx.select({ n: count() }).from(users).limit(1);
    if ((existing?.n ?? 0) > 0) throw new AppError("conflict", SETUP_DONE_MESSAGE);
    const user = { id: newId("usr"), email: input.email, passwordHash };
    const org = { id: newId("org"), slug: await freeOrgSlug(tx, input.orgName), name: input.orgName };
    await tx.insert(users).values(user);
    await tx.insert(orgs).values(org);
    await tx.insert(memberships).values({ orgId: org.id, userId: user.id, role: "owner" });
    await createOrgDefaults(tx, org.id);
    const actor = { type: "user" as const, id: user.id, label: user.email };
    await recordAudit(tx, { orgId: org.id, actor, action: "org.created", target: { type: "org", id: org.id, label: org.name } });
    await recordAudit(tx, {
      orgId: org.id,
      actor,
      action: "account.created",
      target: { type: "user", id: user.id, label: user.email },
      details: { role: "owner", via: "setup" },
    });
    return { user: { id: user.id, email: user.email }, org };
  });
}
