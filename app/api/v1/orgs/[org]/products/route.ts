import { db } from "@/db/client";
import { handle } from "@/lib/api/handler";
import { createProductEndpoint, listProductsEndpoint } from "@/lib/api/endpoints/accounts";
import { createProduct, listProducts } from "@/lib/accounts/products";
import { productJson } from "@/lib/api/serialize";
import { actorOf } from "@/lib/auth/permissions";

export const dynamic = "force-dynamic";

export const GET = handle(listProductsEndpoint, async ({ org }) => ({ products: (await listProducts(db(), org.id)).map(productJson) }));

export const POST = handle(createProductEndpoint, async ({ org, principal, body }) => ({
  product: productJson(await createProduct(db(), org.id, actorOf(principal), body)),
}));
