import type { DbOrTx } from "@/db/client";
import { productBySlug } from "@/lib/accounts/products";
import { can, type Principal } from "@/lib/auth/permissions";
import { forbidden } from "@/lib/errors";

/**
 * Who may change a rule (DESIGN §1): org rules need org owners/admins (or an
 * admin token); a product rule also its product's admins.
 */
function mayEditRule(principal: Principal, productId: string | null): boolean {
  return productId === null ? can(principal, "org:configure") : can(principal, "product:configure", productId);
}

export function assertMayEditRule(principal: Principal, productId: string | null): void {
  if (!mayEditRule(principal, productId)) throw forbidden();
}

/** The product named by a slug in the caller's org (404 otherwise). */
export async function productOf(db: DbOrTx, orgId: string, slug: string) {
  const product = await productBySlug(db, orgId, slug);
  return { id: product.id, slug: product.slug, name: product.name };
}

/** The product, if the caller may configure it (403 otherwise): members read a product's settings, its admins change them. */
export async function configurableProduct(db: DbOrTx, orgId: string, principal: Principal, slug: string) {
  const product = await productOf(db, orgId, slug);
  if (!can(principal, "product:configure", product.id)) throw forbidden("You may not configure this product's notifications");
  return product;
}
