import type { DbOrTx } from "@/db/client";
import type { orgs } from "@/db/schema";
import { findLiveToken, touchToken } from "@/lib/auth/api-tokens";
import { can, type Permission, type Principal } from "@/lib/auth/permissions";
import { AppError, forbidden, notFound } from "@/lib/errors";

export type Org = typeof orgs.$inferSelect;
export type Authorized = { principal: Principal; org: Org };

/**
 * The API-token half of the API guard, without Next.js (so the ingest fast
 * path of `herald start` uses the very same check): `Authorization: Bearer
 * <token>` → the token's org and principal, checked for `permission`.
 * `orgSlug` is the org named in the URL; a token of another org gets 404.
 */
export async function authorizeBearer(
  database: DbOrTx,
  header: string,
  orgSlug: string | undefined,
  permission: Permission,
  productId?: string,
): Promise<Authorized> {
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const found = match ? await findLiveToken(database, match[1]) : null;
  if (!found) throw new AppError("unauthorized", "The API token is missing, malformed, revoked or expired");
  const { token: row, org } = found;
  if (orgSlug !== undefined && org.slug !== orgSlug) throw notFound("Organization");
  await touchToken(database, row);
  const principal: Principal = {
    kind: "token",
    tokenId: row.id,
    name: row.name,
    orgId: org.id,
    role: row.role,
    productIds: new Set(row.productIds),
  };
  if (!can(principal, permission, productId)) throw forbidden();
  return { principal, org };
}
