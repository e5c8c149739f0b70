"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { createProduct, deleteProduct, renameProduct, setProductAdmins } from "@/lib/accounts/products";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { productAdminsSchema, productSchema, renameProductSchema } from "@/lib/validation/accounts";
import { withOrg } from "@/lib/validation/common";

const productRef = { productId: z.string().min(1) };

export const createProductAction = validatedAction(withOrg(productSchema), async ({ org, ...input }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  const product = await createProduct(db(), o.id, actorOf(principal), input);
  revalidatePath(`/o/${org}/products`);
  return { slug: product.slug };
});

export const renameProductAction = validatedAction(withOrg(renameProductSchema.extend(productRef)), async ({ org, productId, name }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  await renameProduct(db(), o.id, actorOf(principal), productId, name);
  revalidatePath(`/o/${org}/products`);
});

export const deleteProductAction = validatedAction(withOrg(z.object(productRef)), async ({ org, productId }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  await deleteProduct(db(), o.id, actorOf(principal), productId);
  revalidatePath(`/o/${org}/products`);
});

export const setProductAdminsAction = validatedAction(withOrg(productAdminsSchema.extend(productRef)), async ({ org, productId, userIds }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  await setProductAdmins(db(), o.id, actorOf(principal), productId, userIds);
  revalidatePath(`/o/${org}/products`);
});
