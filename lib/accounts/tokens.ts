import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { apiTokens, orgs } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import { insertApiToken } from "@/lib/auth/api-tokens";
import type { Actor } from "@/lib/auth/permissions";
import { notFound } from "@/lib/errors";

/** Tokens as lists show them: never the hash. */
export function listTokens(db: DbOrTx, orgId: string) {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      role: apiTokens.role,
      prefix: apiTokens.prefix,
      createdAt: apiTokens.createdAt,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .where(eq(apiTokens.orgId, orgId))
    .orderBy(desc(apiTokens.createdAt))
    .all();
}

export function createToken(
  db: Db,
  orgId: string,
  actor: Actor,
  input: { name: string; role: "admin" | "read"; expiresInDays?: number },
) {
  return db.transaction((tx) => {
    const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86400_000) : null;
    const { token, row } = insertApiToken(tx, { orgId, name: input.name, role: input.role, expiresAt, createdBy: actor.id });
    recordAudit(tx, {
      orgId,
      actor,
      action: "token.created",
      target: { type: "token", id: row.id, label: input.name },
      details: { role: input.role, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return { token, id: row.id, prefix: row.prefix };
  });
}

export function revokeToken(db: Db, orgId: string, actor: Actor, tokenId: string) {
  db.transaction((tx) => {
    const row = tx
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.orgId, orgId), isNull(apiTokens.revokedAt)))
      .get();
    if (!row) throw notFound("Token");
    tx.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, row.id)).run();
    recordAudit(tx, { orgId, actor, action: "token.revoked", target: { type: "token", id: row.id, label: row.name } });
  });
}

export function renameOrg(db: Db, orgId: string, actor: Actor, name: string) {
  db.transaction((tx) => {
    const org = tx.select().from(orgs).where(eq(orgs.id, orgId)).get();
    if (!org) throw notFound("Organization");
    tx.update(orgs).set({ name }).where(eq(orgs.id, orgId)).run();
    recordAudit(tx, { orgId, actor, action: "org.renamed", target: { type: "org", id: orgId, label: org.slug }, details: { from: org.name, to: name } });
  });
}
