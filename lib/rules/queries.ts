import { and, asc, desc, eq, inArray, isNull, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { events, products, ruleChannels, rules } from "@/db/schema";
import { fieldErrorsOf } from "@/lib/api/protocol";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { conflict, invalid, notFound, type FieldErrors } from "@/lib/errors";
import { eventSummaries, type EventSummary } from "@/lib/events/event-log";
import { ruleMatches, type MatchableRule } from "@/lib/events/matching";
import { newId } from "@/lib/ids";
import { ruleSchema, type RuleBody, type RuleInput, type RulePatch } from "@/lib/validation/rules";
import { resolveRuleBody, type ResolvedRule } from "./resolve";

/**
 * Rules (DESIGN §2): org rules (optionally restricted to products) and
 * product rules. Reads and writes use product slugs and channel ids; each
 * change is one transaction with its audit entry (and so its platform event).
 */

export type RuleRow = typeof rules.$inferSelect;

export type RuleView = {
  id: string;
  name: string;
  scope: "org" | "product";
  /** The product of a product rule (slug). */
  product: string | null;
  /** An org rule's product restriction (slugs; empty = every product and the org's own events). */
  products: string[];
  eventTypes: string[] | "all";
  severities: RuleRow["severities"];
  channels: string[];
  mode: RuleRow["mode"];
  digestMinutes: number | null;
  splitByProduct: boolean;
  enabled: boolean;
  /** Set when the rule belongs to a product notification (DESIGN §6): change it through that API. */
  notificationId: string | null;
  createdAt: string;
  updatedAt: string;
};

/**
 * A product notification's rule has the id `rul_<channel id>`: the link
 * between a product-owned channel and its one rule, without a column.
 */
export const notificationRuleId = (channelId: string) => `rul_${channelId}`;
const notificationOf = (ruleId: string) => (ruleId.startsWith("rul_ch_") ? ruleId.slice("rul_".length) : null);

function productSlugs(db: DbOrTx, orgId: string): Map<string, string> {
  return new Map(db.select({ id: products.id, slug: products.slug }).from(products).where(eq(products.orgId, orgId)).all().map((p) => [p.id, p.slug]));
}

function channelIdsOf(db: DbOrTx, ruleIds: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!ruleIds.length) return out;
  for (const link of db.select().from(ruleChannels).where(inArray(ruleChannels.ruleId, ruleIds)).orderBy(asc(ruleChannels.channelId)).all()) {
    out.set(link.ruleId, [...(out.get(link.ruleId) ?? []), link.channelId]);
  }
  return out;
}

function views(db: DbOrTx, orgId: string, rows: RuleRow[]): RuleView[] {
  const slugs = productSlugs(db, orgId);
  const linked = channelIdsOf(db, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    scope: r.productId ? "product" : "org",
    product: r.productId ? (slugs.get(r.productId) ?? null) : null,
    products: r.productFilter.map((id) => slugs.get(id)).filter((s): s is string => Boolean(s)),
    eventTypes: r.eventTypes,
    severities: r.severities,
    channels: linked.get(r.id) ?? [],
    mode: r.mode,
    digestMinutes: r.digestMinutes,
    splitByProduct: r.splitByProduct,
    enabled: r.enabled,
    notificationId: notificationOf(r.id),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

/** The org's rules, by name. `productId: null` = org rules only; a product id = that product's rules. */
export function listRules(db: DbOrTx, orgId: string, options: { productId?: string | null } = {}): RuleView[] {
  const where: SQL[] = [eq(rules.orgId, orgId)];
  if (options.productId === null) where.push(isNull(rules.productId));
  else if (options.productId !== undefined) where.push(eq(rules.productId, options.productId));
  return views(db, orgId, db.select().from(rules).where(and(...where)).orderBy(asc(rules.name), asc(rules.id)).all());
}

export function ruleRow(db: DbOrTx, orgId: string, id: string): RuleRow {
  const row = db.select().from(rules).where(and(eq(rules.orgId, orgId), eq(rules.id, id))).get();
  if (!row) throw notFound("Rule");
  return row;
}

export function getRule(db: DbOrTx, orgId: string, id: string): RuleView {
  return views(db, orgId, [ruleRow(db, orgId, id)])[0];
}

function insertRule(tx: DbOrTx, orgId: string, id: string, rule: ResolvedRule) {
  const now = new Date();
  const { channelIds, ...columns } = rule;
  tx.insert(rules).values({ id, orgId, ...columns, createdAt: now, updatedAt: now }).run();
  for (const channelId of channelIds) tx.insert(ruleChannels).values({ ruleId: id, channelId }).run();
}

function writeRule(tx: DbOrTx, id: string, rule: ResolvedRule) {
  const { channelIds, ...columns } = rule;
  tx.update(rules).set({ ...columns, updatedAt: new Date() }).where(eq(rules.id, id)).run();
  tx.delete(ruleChannels).where(eq(ruleChannels.ruleId, id)).run();
  for (const channelId of channelIds) tx.insert(ruleChannels).values({ ruleId: id, channelId }).run();
}

/** Creates a rule inside the caller's transaction (the notification-config and product notifications use it). */
export function createRuleIn(tx: DbOrTx, orgId: string, actor: Actor, body: RuleBody, options: { id?: string; fieldPrefix?: string } = {}): string {
  const rule = resolveRuleBody(tx, orgId, body, options);
  const id = options.id ?? newId("rul");
  insertRule(tx, orgId, id, rule);
  recordAudit(tx, {
    orgId,
    actor,
    action: "rule.created",
    target: { type: "rule", id, label: rule.name },
    details: { scope: rule.productId ? "product" : "org", ...(body.product ? { product: body.product } : {}), channels: rule.channelIds },
  });
  return id;
}

export function createRule(db: Db, orgId: string, actor: Actor, body: RuleBody): RuleView {
  return db.transaction((tx) => getRule(tx, orgId, createRuleIn(tx, orgId, actor, body)));
}

/** The stored rule as a body, the base a patch is merged onto. */
export function bodyOf(view: RuleView): RuleInput {
  return {
    name: view.name,
    product: view.product,
    products: view.products,
    eventTypes: view.eventTypes,
    severities: view.severities,
    channels: view.channels,
    mode: view.mode,
    digestMinutes: view.digestMinutes,
    splitByProduct: view.splitByProduct,
    enabled: view.enabled,
  };
}

export type RuleWriteOptions = { fieldPrefix?: string; /** Only the product notifications module may change its own rules. */ managed?: boolean };

function refuseManaged(row: RuleRow, options: RuleWriteOptions) {
  const channelId = notificationOf(row.id);
  if (channelId && !options.managed) {
    throw conflict(`This rule belongs to a product notification (${channelId}); change it with /api/v1/apps/{app}/notifications/${channelId}`);
  }
}

/** Applies a patch inside the caller's transaction: what is left out is kept; the merged rule is checked like a new one. */
export function updateRuleIn(tx: DbOrTx, orgId: string, actor: Actor, id: string, patch: RulePatch, options: RuleWriteOptions = {}): void {
  const row = ruleRow(tx, orgId, id);
  refuseManaged(row, options);
  const before = getRule(tx, orgId, id);
  const prefix = options.fieldPrefix ?? "";
  if (patch.product !== undefined && (patch.product ?? null) !== before.product) {
    throw invalid({ [`${prefix}product`]: ["a rule's scope cannot change; create a new rule instead"] });
  }
  const merged = { ...bodyOf(before), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
  const parsed = ruleSchema.safeParse(merged);
  if (!parsed.success) throw invalid(fieldErrorsOf(parsed.error, prefix));
  const rule = resolveRuleBody(tx, orgId, parsed.data, { fieldPrefix: prefix });
  writeRule(tx, id, rule);
  const after = getRule(tx, orgId, id);
  const changed = (Object.keys(after) as (keyof RuleView)[]).filter(
    (k) => k !== "updatedAt" && JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  );
  if (changed.length) recordAudit(tx, { orgId, actor, action: "rule.updated", target: { type: "rule", id, label: rule.name }, details: { changed } });
}

export function updateRule(db: Db, orgId: string, actor: Actor, id: string, patch: RulePatch, options: RuleWriteOptions = {}): RuleView {
  return db.transaction((tx) => {
    updateRuleIn(tx, orgId, actor, id, patch, options);
    return getRule(tx, orgId, id);
  });
}

export function deleteRuleIn(tx: DbOrTx, orgId: string, actor: Actor, id: string, options: RuleWriteOptions = {}): void {
  const row = ruleRow(tx, orgId, id);
  refuseManaged(row, options);
  tx.delete(rules).where(eq(rules.id, id)).run();
  recordAudit(tx, {
    orgId,
    actor,
    action: "rule.removed",
    target: { type: "rule", id, label: row.name },
    details: { scope: row.productId ? "product" : "org" },
  });
}

export function deleteRule(db: Db, orgId: string, actor: Actor, id: string, options: RuleWriteOptions = {}): void {
  db.transaction((tx) => deleteRuleIn(tx, orgId, actor, id, options));
}

/** A stored rule as matching sees it (enabled or not: a preview shows what it would send). */
function matchable(view: RuleRow, channelIds: string[]): MatchableRule {
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

/** "What would match": the last `limit` stored events (test alerts aside) this rule would have sent, newest first. */
export function whatWouldMatch(db: DbOrTx, orgId: string, ruleId: string, limit = 20): EventSummary[] {
  const row = ruleRow(db, orgId, ruleId);
  const rule = matchable(row, channelIdsOf(db, [row.id]).get(row.id) ?? []);
  // SQL narrows the candidates; ruleMatches (the code ingest uses) decides.
  const where: SQL[] = [eq(events.orgId, orgId), eq(events.isTest, false), inArray(events.severity, rule.severities)];
  if (rule.eventTypes !== "all") where.push(inArray(events.type, rule.eventTypes));
  if (rule.productId) where.push(eq(events.productId, rule.productId));
  else if (rule.productFilter.length) where.push(inArray(events.productId, rule.productFilter));
  const candidates = db
    .select()
    .from(events)
    .where(and(...where))
    .orderBy(desc(events.receivedAt), desc(events.id))
    .limit(limit * 5)
    .all();
  const matched = candidates.filter((e) => ruleMatches(rule, { type: e.type, severity: e.severity, productId: e.productId })).slice(0, limit);
  return eventSummaries(db, orgId, matched);
}
