import { and, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { products } from "@/db/schema";
import { createRuleEndpoint, listRulesEndpoint } from "@/lib/api/endpoints/rules";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { productBySlug } from "@/lib/accounts/products";
import { assertMayEditRule } from "@/lib/rules/access";
import { createRule, listRules } from "@/lib/rules/queries";

export const dynamic = "force-dynamic";

export const GET = handle(listRulesEndpoint, async ({ org, query }) => {
  const productId = query.product ? (await productBySlug(db(), org.id, query.product)).id : query.scope === "org" ? null : undefined;
  const rules = await listRules(db(), org.id, { productId });
  return { rules: query.scope === "product" ? rules.filter((r) => r.scope === "product") : rules };
});

export const POST = handle(createRuleEndpoint, async ({ org, principal, body }) => {
  // An unknown product slug is the domain's 422; until then only org configurers may go on.
  const [product] = body.product
    ? await db()
        .select({ id: products.id })
        .from(products)
        .where(and(eq(products.orgId, org.id), eq(products.slug, body.product)))
        .limit(1)
    : [];
  assertMayEditRule(principal, body.product ? (product?.id ?? "") : null);
  return { rule: await createRule(db(), org.id, actorOf(principal), body) };
});
