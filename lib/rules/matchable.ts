import { asc, inArray } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { ruleChannels, rules } from "@/db/schema";
import type { MatchableRule } from "@/lib/events/matching";

/** Stored rules as the matching code sees them: shared by the rule views and the routes. */

type RuleRow = typeof rules.$inferSelect;

export async function channelIdsOf(db: DbOrTx, ruleIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!ruleIds.length) return out;
  for (const link of await db.select().from(ruleChannels).where(inArray(ruleChannels.ruleId, ruleIds)).orderBy(asc(ruleChannels.channelId))) {
    out.set(link.ruleId, [...(out.get(link.ruleId) ?? []), link.channelId]);
  }
  return out;
}

/** A stored rule as matching sees it (enabled or not: a preview shows what it would send). */
export function matchable(view: RuleRow, channelIds: string[]): MatchableRule {
  return {
    id: view.id,
    productId: view.productId,
    productFilter: view.productFilter,
    eventTypes: view.eventTypes,
    severities: view.severities,
    mode: view.mode,
    digestMinutes: view.digestMinutes,
    splitByProduct: view.splitByProduct,
    channelIds,
  };
}
