import crypto from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { apiTokens, orgs, type TokenRole } from "@/db/schema";
import { newId, sha256 } from "@/lib/ids";

const TOKEN_PREFIX = "hrld_";

/** A new random token; only its SHA-256 is stored (it has 192 bits of entropy, so no slow hash is needed). */
function generateToken(): string {
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
export async function insertApiToken(tx: DbOrTx, input: NewToken) {
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
  await tx.insert(apiTokens).values(row);
  return { token, row };
}

function liveTokenQuery(db: DbOrTx) {
  // A named prepared statement on PostgreSQL (each pooled connection parses it once);
  // SQLite's builder takes no name and keeps its better-sqlite3 statement.
  return db
    .select({ token: apiTokens, org: orgs })
    .from(apiTokens)
    .innerJoin(orgs, eq(orgs.id, apiTokens.orgId))
    .where(and(eq(apiTokens.tokenHash, sql.placeholder("hash")), isNull(apiTokens.revokedAt)))
    .prepare("herald_live_token");
}

// Built once per connection handle: every API request runs this query, and building and preparing it costs more than running it.
const liveTokenQueries = new WeakMap<DbOrTx, ReturnType<typeof liveTokenQuery>>();

/** The live token for a presented bearer value, with its org; null when unknown, revoked or expired. */
export async function findLiveToken(db: DbOrTx, presented: string, now = new Date()) {
  if (!presented.startsWith(TOKEN_PREFIX)) return null;
  let query = liveTokenQueries.get(db);
  if (!query) liveTokenQueries.set(db, (query = liveTokenQuery(db)));
  const [found] = await query.execute({ hash: sha256(presented) });
  if (!found) return null;
  if (found.token.expiresAt && found.token.expiresAt <= now) return null;
  return found;
}

/** Records use, at most once a minute per token, so ingest does not write on every request. */
export async function touchToken(db: DbOrTx, row: { id: string; lastUsedAt: Date | null }, now = new Date()) {
  if (row.lastUsedAt && now.getTime() - row.lastUsedAt.getTime() < 60_000) return;
  await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
}
