import { and, eq, inArray } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { channels, products, SEVERITIES, type Severity } from "@/db/schema";
import { invalid, type FieldErrors } from "@/lib/errors";
import { orgCatalog } from "@/lib/events/catalog";
import type { RuleBody } from "@/lib/validation/rules";

/**
 * A rule body checked against its org: what zod cannot know. Products and
 * channels must be the org's (another org's id reads as unknown, so nothing
 * leaks); a product rule may use org channels or its own product's channels,
 * an org rule only org channels; event types must exist in the org's catalog
 * and be able to occur in the rule's scope.
 */

export type ResolvedRule = {
  name: string;
  productId: string | null;
  productFilter: string[];
  eventTypes: string[] | "all";
  severities: Severity[];
  channelIds: string[];
  mode: "immediate" | "digest";
  digestMinutes: number | null;
  splitByProduct: boolean;
  enabled: boolean;
};

const unique = <T>(items: readonly T[]) => [...new Set(items)];

/** Throws a 422 naming each field (prefixed, e.g. `rules.2.channels.0`) when the body does not fit the org. */
export async function resolveRuleBody(db: DbOrTx, orgId: string, body: RuleBody, options: { fieldPrefix?: string } = {}): Promise<ResolvedRule> {
  const fields: FieldErrors = {};
  const fail = (field: string, message: string) => (fields[`${options.fieldPrefix ?? ""}${field}`] ??= []).push(message);

  const orgProducts = await db.select({ id: products.id, slug: products.slug }).from(products).where(eq(products.orgId, orgId));
  const productIdOf = new Map(orgProducts.map((p) => [p.slug, p.id]));
  const slugOf = new Map(orgProducts.map((p) => [p.id, p.slug]));

  let productId: string | null = null;
  if (body.product) {
    productId = productIdOf.get(body.product) ?? null;
    if (!productId) fail("product", `unknown product "${body.product}"`);
  }
  const productFilter: string[] = [];
  unique(body.products).forEach((slug, i) => {
    const id = productIdOf.get(slug);
    if (id) productFilter.push(id);
    else fail(`products.${i}`, `unknown product "${slug}"`);
  });

  const channelIds = unique(body.channels);
  const found = channelIds.length
    ? await db
        .select({ id: channels.id, productId: channels.productId })
        .from(channels)
        .where(and(eq(channels.orgId, orgId), inArray(channels.id, channelIds)))
    : [];
  const channelProduct = new Map(found.map((c) => [c.id, c.productId]));
  channelIds.forEach((id, i) => {
    if (!channelProduct.has(id)) return fail(`channels.${i}`, `unknown channel "${id}"`);
    const owner = channelProduct.get(id);
    if (owner === null || owner === undefined) return;
    if (!body.product) fail(`channels.${i}`, `belongs to product "${slugOf.get(owner)}"; org rules send to org channels`);
    else if (owner !== productId) fail(`channels.${i}`, `unknown channel "${id}"`);
  });

  let eventTypes: string[] | "all" = "all";
  if (body.eventTypes !== "all") {
    const catalog = new Map((await orgCatalog(db, orgId)).map((t) => [t.key, t]));
    eventTypes = unique(body.eventTypes);
    eventTypes.forEach((key, i) => {
      const type = catalog.get(key);
      if (!type) return fail(`eventTypes.${i}`, `unknown event type "${key}"`);
      if (type.scope !== "org") return;
      if (body.product) fail(`eventTypes.${i}`, `"${key}" is an organization event; a product rule sees only its product's events`);
      else if (productFilter.length) fail(`eventTypes.${i}`, `"${key}" is an organization event and never has a product; remove it or the product restriction`);
    });
  }

  if (Object.keys(fields).length) throw invalid(fields, "The rule does not fit this organization");
  const severities = SEVERITIES.filter((s) => body.severities.includes(s));
  return {
    name: body.name,
    productId,
    productFilter,
    eventTypes,
    severities,
    channelIds,
    mode: body.mode,
    digestMinutes: body.mode === "digest" ? (body.digestMinutes ?? null) : null,
    splitByProduct: body.splitByProduct,
    enabled: body.enabled,
  };
}
