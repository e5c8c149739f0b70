import { and, count, desc, eq, inArray, isNull } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { apiTokens, deliveries, orgs } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import { insertApiToken } from "@/lib/auth/api-tokens";
import type { Actor } from "@/lib/auth/permissions";
import { invalid, notFound } from "@/lib/errors";
import { lockOrg } from "./locks";

/** Tokens as lists show them: never the hash. */
export type TokenStatus = "active" | "expired" | "revoked";

/** An org's API tokens, newest first, each with its status now (told on the server: a browser's clock may disagree). */
export async function listTokens(db: DbOrTx, orgId: string, now = new Date()) {
  const rows = await db
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
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  return rows.map((t) => ({ ...t, status: statusOf(t, now) }));
}

function statusOf(t: { expiresAt: Date | null; revokedAt: Date | null }, now: Date): TokenStatus {
  if (t.revokedAt) return "revoked";
  return t.expiresAt && t.expiresAt <= now ? "expired" : "active";
}

export async function createToken(db: Db, orgId: string, actor: Actor, input: { name: string; role: "admin" | "read"; expiresInDays?: number }) {
  return db.transaction(async (tx) => {
    const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86400_000) : null;
    const { token, row } = await insertApiToken(tx, { orgId, name: input.name, role: input.role, expiresAt, createdBy: actor.id });
    await recordAudit(tx, {
      orgId,
      actor,
      action: "token.created",
      target: { type: "token", id: row.id, label: input.name },
      details: { role: input.role, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return { token, id: row.id, prefix: row.prefix };
  });
}

export async function revokeToken(db: Db, orgId: string, actor: Actor, tokenId: string) {
  await db.transaction(async (tx) => {
    // Revoked once: the update itself checks the token is still live, so two revocations at once audit one.
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.orgId, orgId), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id, name: apiTokens.name });
    if (!row) throw notFound("Token");
    await recordAudit(tx, { orgId, actor, action: "token.revoked", target: { type: "token", id: row.id, label: row.name } });
  });
}

export async function renameOrg(db: Db, orgId: string, actor: Actor, name: string) {
  await db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const [org] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).limit(1);
    if (!org) throw notFound("Organization");
    await tx.update(orgs).set({ name }).where(eq(orgs.id, orgId));
    await recordAudit(tx, { orgId, actor, action: "org.renamed", target: { type: "org", id: orgId, label: org.slug }, details: { from: org.name, to: name } });
  });
}

/**
 * An owner's retention for the org: shorter than the instance's or none (the
 * instance's applies). Longer is refused, naming the limit: the instance's
 * retention is the operator's promise about disk and privacy.
 */
export async function setOrgRetention(db: Db, orgId: string, actor: Actor, retentionDays: number | null, instanceDays: number) {
  if (retentionDays !== null && retentionDays > instanceDays) {
    throw invalid({ retentionDays: [`must be at most ${instanceDays} days, this instance's retention (HERALD_RETENTION_DAYS)`] });
  }
  await db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const [org] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).limit(1);
    if (!org) throw notFound("Organization");
    await tx.update(orgs).set({ retentionDays }).where(eq(orgs.id, orgId));
    await recordAudit(tx, {
      orgId,
      actor,
      action: "org.retention_changed",
      target: { type: "org", id: orgId, label: org.slug },
      details: { from: org.retentionDays, to: retentionDays },
    });
  });
}

/**
 * An owner deletes the org, its name typed again as the confirmation: its
 * products, channels, rules, events, deliveries (the pending ones dropped,
 * counted and said), tokens, memberships and its audit log go with it (the
 * schema's cascades); people's accounts stay. The instance's audit log keeps
 * one entry saying who deleted what. Returns how many deliveries were dropped.
 */
export async function deleteOrg(db: Db, orgId: string, actor: Actor, confirmName: string): Promise<{ droppedDeliveries: number }> {
  return db.transaction(async (tx) => {
    await lockOrg(tx, orgId);
    const [org] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).limit(1);
    if (!org) throw notFound("Organization");
    if (confirmName.trim() !== org.name) throw invalid({ confirmName: [`type the organization's name, ${org.name}, exactly, to confirm`] });
    const n = await pendingDeliveryCount(tx, orgId);
    await tx.delete(orgs).where(eq(orgs.id, orgId));
    await recordAudit(tx, {
      orgId: null,
      actor,
      action: "org.deleted",
      target: { type: "org", id: orgId, label: org.slug },
      details: { name: org.name, droppedDeliveries: n },
    });
    return { droppedDeliveries: n };
  });
}

/** Deliveries of the org still waiting or being sent: what deleting it drops (said on the page before, counted in the audit). */
export async function pendingDeliveryCount(db: DbOrTx, orgId: string): Promise<number> {
  const [{ n }] = await db
    .select({ n: count() })
    .from(deliveries)
    .where(and(eq(deliveries.orgId, orgId), inArray(deliveries.status, ["queued", "sending"])));
  return n;
}
