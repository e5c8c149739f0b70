import { and, asc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { channels, rules } from "@/db/schema";
import type { ChannelType, Severity } from "@/db/schema/values";
import { missedCriteria, ruleMatches, type MatchableEvent, type MatchableRule } from "@/lib/events/matching";
import { channelIdsOf, matchable } from "./matchable";

/**
 * Where events go, and why (issue #20): every enabled rule of the org that
 * takes an event, with the channels it names. Decided by the matching code
 * ingest runs, so what the console shows is what is sent — a product page
 * that says "none" while an org rule sends its deployments to seven channels
 * was the failure this answers.
 */

export type Route = {
  channel: { id: string; name: string; type: ChannelType; enabled: boolean };
  rule: { id: string; name: string; scope: "org" | "product" };
  /** The severities the rule takes (an event of another severity does not go this way). */
  severities: Severity[];
  mode: "immediate" | "digest";
  digestMinutes: number | null;
};

type RoutingRule = MatchableRule & { name: string };

/** The org's enabled rules, as matching sees them, and every channel they may name. */
async function routing(db: DbOrTx, orgId: string) {
  const rows = await db
    .select()
    .from(rules)
    .where(and(eq(rules.orgId, orgId), eq(rules.enabled, true)))
    .orderBy(asc(rules.createdAt), asc(rules.id));
  const links = await channelIdsOf(
    db,
    rows.map((r) => r.id),
  );
  const enabledRules: RoutingRule[] = rows.map((row) => ({ ...matchable(row, links.get(row.id) ?? []), name: row.name }));
  const channelRows = await db
    .select({ id: channels.id, name: channels.name, type: channels.type, enabled: channels.enabled })
    .from(channels)
    .where(eq(channels.orgId, orgId));
  return { enabledRules, channelsById: new Map(channelRows.map((c) => [c.id, c])) };
}

function routesOf(rule: RoutingRule, channelsById: Map<string, Route["channel"]>): Route[] {
  return rule.channelIds.flatMap((id) => {
    const channel = channelsById.get(id);
    if (!channel) return [];
    return [
      {
        channel,
        rule: { id: rule.id, name: rule.name, scope: rule.productId ? ("product" as const) : ("org" as const) },
        severities: rule.severities,
        mode: rule.mode,
        digestMinutes: rule.digestMinutes,
      },
    ];
  });
}

/** For each of a product's event types: every way an event of that type and product goes out, whatever its severity. */
export async function productRoutes(db: DbOrTx, orgId: string, productId: string, eventTypes: string[]): Promise<Record<string, Route[]>> {
  const { enabledRules, channelsById } = await routing(db, orgId);
  return Object.fromEntries(
    eventTypes.map((type) => {
      const taking = enabledRules.filter((rule) => {
        // Severity aside: the route says which severities it takes.
        const missed = missedCriteria(rule, { type, productId, severity: rule.severities[0] ?? "info" });
        return missed.length === 0 && rule.severities.length > 0;
      });
      return [type, taking.flatMap((rule) => routesOf(rule, channelsById))];
    }),
  );
}

/** For each event (by id): every rule that takes it and the channels it names. */
export async function eventRoutes(db: DbOrTx, orgId: string, list: (MatchableEvent & { id: string })[]): Promise<Record<string, Route[]>> {
  if (!list.length) return {};
  const { enabledRules, channelsById } = await routing(db, orgId);
  return Object.fromEntries(
    list.map((event) => [event.id, enabledRules.filter((rule) => ruleMatches(rule, event)).flatMap((rule) => routesOf(rule, channelsById))]),
  );
}
