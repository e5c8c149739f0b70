import { db } from "@/db/client";
import { handle } from "@/lib/api/handler";
import { deleteProductEndpoint, getProductEndpoint, updateProductEndpoint } from "@/lib/api/endpoints/accounts";
import { deleteProduct, productBySlug, renameProduct } from "@/lib/accounts/products";
import { actorOf } from "@/lib/auth/permissions";
import { productJson } from "@/lib/api/serialize";

export const dynamic = "force-dynamic";

export const GET = handle(getProductEndpoint, ({ org, params }) => ({ product: productJson(productBySlug(db(), org.id, params.product)) }));

export const PATCH = handle(updateProductEndpoint, ({ org, principal, params, body }) => {
  const product = productBySlug(db(), org.id, params.product);
  renameProduct(db(), org.id, actorOf(principal), product.id, body.name);
  return { product: productJson({ ...product, name: body.name }) };
});

export const DELETE = handle(deleteProductEndpoint, ({ org, principal, params }) => {
  deleteProduct(db(), org.id, actorOf(principal), productBySlug(db(), org.id, params.product).id);
});
