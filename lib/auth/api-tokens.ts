import crypto from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { apiTokens, type TokenRole } from "@/db/schema";
import { newId, sha256 } from "@/lib/ids";

export const TOKEN_PREFIX = "hrld_";

/** A new random token; only its SHA-256 is stored (it has 192 bits of entropy, so no slow hash is needed). */
export function generateToken(): string {
  return TOKEN_PREFIX + crypto.randomBytes(24).toString("base64url");
}

export type NewToken = {
  orgId: string;
  name: string;
  role: TokenRole;
  productIds?: string[];
  expiresAt?: Date | null;
  createdBy?: string | null;
};

/** Stores a token and returns its value, which is never readable again. */
export function insertApiToken(tx: DbOrTx, input: NewToken) {
  const token = generateToken();
  const row = {
    id: newId("tok"),
    orgId: input.orgId,
    name: input.name,
    role: input.role,
    productIds: input.productIds ?? [],
    prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    tokenHash: sha256(token),
    createdBy: input.createdBy ?? null,
    expiresAt: input.expiresAt ?? null,
    createdAt: new Date(),
  };
  tx.insert(apiTokens).values(row).run();
  return { token, row };
}

/** The live token row for a presented bearer value, or null when unknown, revoked or expired. */
export function findLiveToken(db: DbOrTx, presented: string, now = new Date()) {
  if (!presented.startsWith(TOKEN_PREFIX)) return null;
  const row = db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, sha256(presented)), isNull(apiTokens.revokedAt)))
    .get();
  if (!row) return null;
  if (row.expiresAt && row.expiresAt <= now) return null;
  return row;
}

/** Records use, at most once a minute per token, so ingest does not write on every request. */
export function touchToken(db: DbOrTx, row: { id: string; lastUsedAt: Date | null }, now = new Date()) {
  if (row.lastUsedAt && now.getTime() - row.lastUsedAt.getTime() < 60_000) return;
  db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id)).run();
}
