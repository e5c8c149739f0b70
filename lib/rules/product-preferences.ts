import type { Db, DbOrTx } from "@/db/client";
import { SEVERITIES, type Severity } from "@/db/schema/values";
import type { Actor } from "@/lib/auth/permissions";
import { invalid } from "@/lib/errors";
import { orgCatalog, type EventType } from "@/lib/events/catalog";
import { severitiesFrom, type ProductPreferences } from "@/lib/validation/product-preferences";
import { createRuleIn, deleteRuleIn, listRules, updateRuleIn, type RuleView } from "./queries";
import type { Product } from "./product-notifications";

/**
 * Product settings → Notifications (Chainloop's product preferences): for
 * each event type a product's events can have, the channels it goes to and
 * the lowest severity sent. Stored as product rules, one per event type
 * (a product rule naming exactly that type); other product rules — made
 * through the API, or a product notification's — are left alone.
 */

export type Preference = { eventType: EventType; channels: string[]; minSeverity: Severity; ruleId: string | null };

const lowest = (severities: readonly Severity[]): Severity => SEVERITIES.find((s) => severities.includes(s)) ?? "debug";

/** The product's event types (product or either scope). */
async function productEventTypes(db: DbOrTx, orgId: string): Promise<EventType[]> {
  return (await orgCatalog(db, orgId)).filter((t) => t.scope !== "org");
}

function preferenceRules(rules: RuleView[]): Map<string, RuleView> {
  const byType = new Map<string, RuleView>();
  for (const rule of rules) {
    if (rule.notificationId || rule.eventTypes === "all" || rule.eventTypes.length !== 1 || rule.mode !== "immediate") continue;
    if (!byType.has(rule.eventTypes[0])) byType.set(rule.eventTypes[0], rule);
  }
  return byType;
}

export async function productPreferences(db: DbOrTx, orgId: string, product: Product): Promise<{ preferences: Preference[]; otherRules: RuleView[] }> {
  const rules = await listRules(db, orgId, { productId: product.id });
  const byType = preferenceRules(rules);
  const used = new Set([...byType.values()].map((r) => r.id));
  return {
    preferences: (await productEventTypes(db, orgId)).map((eventType) => {
      const rule = byType.get(eventType.key);
      return { eventType, channels: rule?.channels ?? [], minSeverity: rule ? lowest(rule.severities) : "debug", ruleId: rule?.id ?? null };
    }),
    otherRules: rules.filter((r) => !used.has(r.id) && !r.notificationId),
  };
}

/** Saves every row in one transaction: channels picked → the type's rule is created or changed; none → it is removed. */
export async function setProductPreferences(db: Db, orgId: string, actor: Actor, product: Product, input: ProductPreferences): Promise<void> {
  await db.transaction(async (tx) => {
    const types = new Map((await productEventTypes(tx, orgId)).map((t) => [t.key, t]));
    const existing = preferenceRules(await listRules(tx, orgId, { productId: product.id }));
    for (const [i, pref] of input.preferences.entries()) {
      const prefix = `preferences.${i}.`;
      const type = types.get(pref.eventType);
      if (!type) throw invalid({ [`${prefix}eventType`]: [`"${pref.eventType}" is not an event type of products`] });
      const rule = existing.get(type.key);
      const severities = severitiesFrom(pref.minSeverity);
      const channels = [...new Set(pref.channels)];
      if (!channels.length) {
        if (rule) await deleteRuleIn(tx, orgId, actor, rule.id);
        continue;
      }
      if (!rule) {
        const body = {
          name: type.title,
          product: product.slug,
          products: [],
          eventTypes: [type.key],
          severities,
          channels,
          mode: "immediate" as const,
          digestMinutes: null,
          splitByProduct: false,
          enabled: true,
        };
        await createRuleIn(tx, orgId, actor, body, { fieldPrefix: prefix });
        continue;
      }
      const same =
        JSON.stringify([...rule.channels].sort()) === JSON.stringify([...channels].sort()) && JSON.stringify(rule.severities) === JSON.stringify(severities);
      if (!same || !rule.enabled) await updateRuleIn(tx, orgId, actor, rule.id, { channels, severities, enabled: true }, { fieldPrefix: prefix });
    }
  });
}
