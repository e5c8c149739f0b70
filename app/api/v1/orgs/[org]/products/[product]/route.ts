import { db } from "@/db/client";
import { handle } from "@/lib/api/handler";
import { deleteProductEndpoint, getProductEndpoint, updateProductEndpoint } from "@/lib/api/endpoints/accounts";
import { deleteProduct, productBySlug, renameProduct } from "@/lib/accounts/products";
import { actorOf } from "@/lib/auth/permissions";
import { productJson } from "@/lib/api/serialize";

export const dynamic = "force-dynamic";

export const GET = handle(getProductEndpoint, async ({ org, params }) => ({ product: productJson(await productBySlug(db(), org.id, params.product)) }));

export const PATCH = handle(updateProductEndpoint, async ({ org, principal, params, body }) => {
  const product = await productBySlug(db(), org.id, params.product);
  await renameProduct(db(), org.id, actorOf(principal), product.id, body.name);
  return { product: productJson({ ...product, name: body.name }) };
});

export const DELETE = handle(deleteProductEndpoint, async ({ org, principal, params }) => {
  await deleteProduct(db(), org.id, actorOf(principal), (await productBySlug(db(), org.id, params.product)).id);
});
