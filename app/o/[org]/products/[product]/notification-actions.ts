"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { db } from "@/db/client";
import { productById } from "@/lib/accounts/products";
import { validatedAction } from "@/lib/actions";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { notFound } from "@/lib/errors";
import { deleteNotification, updateNotification } from "@/lib/rules/product-notifications";
import { setProductPreferences } from "@/lib/rules/product-preferences";
import { deleteRule, ruleRow } from "@/lib/rules/queries";
import { productPreferencesSchema } from "@/lib/validation/product-preferences";

/**
 * Product settings → Notifications. Each action checks "product:configure"
 * for the product it names (its product admins, or the org's owners and
 * admins) before it touches anything; channels themselves are never changed here.
 */

const productRef = z.object({ org: z.string().min(1).max(63), productId: z.string().min(1).max(100) });
const itemRef = productRef.extend({ id: z.string().min(1).max(100) });

async function productOf(orgId: string, productId: string) {
  const p = await productById(db(), orgId, productId);
  return { id: p.id, slug: p.slug, name: p.name };
}
const refresh = (org: string, slug: string) => revalidatePath(`/o/${org}/products/${slug}`);

export const saveProductPreferencesAction = validatedAction(productPreferencesSchema.extend(productRef.shape), async ({ org, productId, preferences }) => {
  const { principal, org: o } = await authorize(org, "product:configure", productId);
  const product = await productOf(o.id, productId);
  await setProductPreferences(db(), o.id, actorOf(principal), product, { preferences });
  refresh(org, product.slug);
});

/** Removes one of the product's other rules (made through the API); a product notification's rule goes with its notification. */
export const deleteProductRuleAction = validatedAction(itemRef, async ({ org, productId, id }) => {
  const { principal, org: o } = await authorize(org, "product:configure", productId);
  const product = await productOf(o.id, productId);
  if ((await ruleRow(db(), o.id, id)).productId !== product.id) throw notFound("Rule");
  await deleteRule(db(), o.id, actorOf(principal), id);
  refresh(org, product.slug);
});

export const setNotificationActiveAction = validatedAction(itemRef.extend({ active: z.boolean() }), async ({ org, productId, id, active }) => {
  const { principal, org: o } = await authorize(org, "product:configure", productId);
  const product = await productOf(o.id, productId);
  await updateNotification(db(), o.id, actorOf(principal), product, id, { active });
  refresh(org, product.slug);
});

export const deleteNotificationAction = validatedAction(itemRef, async ({ org, productId, id }) => {
  const { principal, org: o } = await authorize(org, "product:configure", productId);
  const product = await productOf(o.id, productId);
  await deleteNotification(db(), o.id, actorOf(principal), product, id);
  refresh(org, product.slug);
});
