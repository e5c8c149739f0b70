import { and, asc, eq, isNull, or } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { channels, products } from "@/db/schema";
import type { ChannelRow } from "@/lib/channels/service";
import { productBySlug } from "@/lib/accounts/products";
import { can, type Principal } from "@/lib/auth/permissions";
import { forbidden, invalid, type FieldErrors } from "@/lib/errors";
import type { TestAlertInput } from "@/lib/validation/test-alert";

/**
 * Who may test which channels (DESIGN §1): owners and admins test any org
 * channel; a product admin tests for one product — that product's own
 * channels and the org's channels its rules can pick — and never another
 * product's.
 */

export type TestScope = {
  orgId: string;
  /** Set when testing as a product admin (or for a product's settings page). */
  product: { id: string; slug: string; name: string } | null;
};

/** Checks the permission for the scope asked for: product:configure with a product, org:configure without. */
export async function testAlertScope(db: DbOrTx, principal: Principal, orgId: string, productSlug?: string): Promise<TestScope> {
  if (!productSlug) {
    if (!can(principal, "org:configure")) throw forbidden("Sending test alerts needs an owner or admin (or name the product you administer)");
    return { orgId, product: null };
  }
  const product = await productBySlug(db, orgId, productSlug);
  if (!can(principal, "product:configure", product.id)) throw forbidden(`You do not administer the product "${productSlug}"`);
  return { orgId, product: { id: product.id, slug: product.slug, name: product.name } };
}

/** Every channel the scope may test, enabled or not, by name. */
export async function testableChannels(db: DbOrTx, scope: TestScope): Promise<ChannelRow[]> {
  const owner = scope.product ? or(isNull(channels.productId), eq(channels.productId, scope.product.id)) : isNull(channels.productId);
  return db
    .select()
    .from(channels)
    .where(and(eq(channels.orgId, scope.orgId), owner))
    .orderBy(asc(channels.name), asc(channels.id));
}

/** Why a channel cannot take a test now (the dispatcher would leave its delivery waiting), or null. */
export function unusableReason(row: Pick<ChannelRow, "enabled" | "health">): string | null {
  if (!row.enabled) return "is switched off; enable it first";
  if (row.health === "disabled") return "was disabled after failures; re-enable it first";
  return null;
}

/** The channels a request names (or all usable ones), each checked; errors name `channels.N`. */
export async function resolveTestChannels(db: DbOrTx, scope: TestScope, selection: TestAlertInput["channels"]): Promise<ChannelRow[]> {
  const allowed = await testableChannels(db, scope);
  if (selection === "all") {
    const usable = allowed.filter((c) => !unusableReason(c));
    if (usable.length === 0) throw invalid({ channels: ["there is no enabled channel to test"] }, "There is no enabled channel to test");
    return usable;
  }
  const byId = new Map(allowed.map((c) => [c.id, c]));
  const fields: FieldErrors = {};
  const picked: ChannelRow[] = [];
  const seen = new Set<string>();
  selection.forEach((id, i) => {
    if (seen.has(id)) return;
    seen.add(id);
    const row = byId.get(id);
    const problem = !row ? `unknown channel "${id}"${scope.product ? " (or not one of this product's channels)" : ""}` : unusableReason(row);
    if (problem) (fields[`channels.${i}`] ??= []).push(row ? `"${row.name}" ${problem}` : problem);
    else picked.push(row!);
  });
  if (Object.keys(fields).length) throw invalid(fields, "Some channels cannot be tested");
  return picked;
}

/** The product that product-scope samples belong to: the scope's, else the org's first (a sample needs one to look real). */
export async function sampleProduct(db: DbOrTx, scope: TestScope): Promise<TestScope["product"]> {
  if (scope.product) return scope.product;
  const [product] = await db
    .select({ id: products.id, slug: products.slug, name: products.name })
    .from(products)
    .where(eq(products.orgId, scope.orgId))
    .orderBy(asc(products.slug))
    .limit(1);
  return product ?? null;
}
