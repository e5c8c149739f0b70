import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";
import { productSchema, renameProductSchema } from "@/lib/validation/accounts";

const productOut = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  createdAt: z.string(),
});

export const listProductsEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/products",
  summary: "List the org's products",
  tag: "Products",
  permission: "org:read",
  response: z.object({ products: z.array(productOut) }),
});

export const createProductEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/products",
  summary: "Create a product",
  tag: "Products",
  permission: "org:configure",
  body: productSchema,
  example: { name: "Billing", slug: "billing" },
  response: z.object({ product: productOut }),
  status: 201,
});

export const getProductEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/products/{product}",
  summary: "Show a product",
  tag: "Products",
  permission: "org:read",
  response: z.object({ product: productOut }),
});

export const updateProductEndpoint = endpoint({
  method: "PATCH",
  path: "/api/v1/orgs/{org}/products/{product}",
  summary: "Rename a product",
  tag: "Products",
  permission: "org:configure",
  body: renameProductSchema,
  example: { name: "Billing & invoices" },
  response: z.object({ product: productOut }),
});

export const deleteProductEndpoint = endpoint({
  method: "DELETE",
  path: "/api/v1/orgs/{org}/products/{product}",
  summary: "Delete a product",
  tag: "Products",
  permission: "org:configure",
  status: 204,
});

export const healthEndpoint = endpoint({
  method: "GET",
  path: "/api/health",
  summary: "Health: 200 when the database answers and its writes work, 503 (with the reason) while it does not answer or writes fail",
  tag: "Operations",
  permission: null,
  response: z.object({
    status: z.enum(["ok", "unavailable"]),
    reason: z.string().optional(),
    checks: z.object({
      storage: z.object({ ok: z.boolean(), error: z.string().optional(), since: z.string().optional() }),
      clock: z.object({ ok: z.boolean(), stepMs: z.number().optional(), seenAt: z.string().optional(), warning: z.string().optional() }),
    }),
  }),
});
