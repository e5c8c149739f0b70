import { and, asc, desc, eq, inArray, isNull, type SQL } from "drizzle-orm";
import { engineOf, type Db, type DbOrTx } from "@/db/client";
import { events, products, ruleChannels, rules } from "@/db/schema";
import { fieldErrorsOf } from "@/lib/validation/field-errors";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { conflict, invalid, notFound } from "@/lib/errors";
import { eventSummaries, type EventSummary } from "@/lib/events/event-log";
import { missedCriteria, ruleMatches, type MatchCriterion } from "@/lib/events/matching";
import { newId } from "@/lib/ids";
import { ruleSchema, type RuleBody, type RuleInput, type RulePatch } from "@/lib/validation/rules";
import { resolveRuleBody, type ResolvedRule } from "./resolve";
import { channelIdsOf, matchable } from "./matchable";
import { eventRoutes, type Route } from "./routes";

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

async function productSlugs(db: DbOrTx, orgId: string): Promise<Map<string, string>> {
  return new Map((await db.select({ id: products.id, slug: products.slug }).from(products).where(eq(products.orgId, orgId))).map((p) => [p.id, p.slug]));
}

async function views(db: DbOrTx, orgId: string, rows: RuleRow[]): Promise<RuleView[]> {
  const slugs = await productSlugs(db, orgId);
  const linked = await channelIdsOf(
    db,
    rows.map((r) => r.id),
  );
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
export async function listRules(db: DbOrTx, orgId: string, options: { productId?: string | null } = {}): Promise<RuleView[]> {
  const where: SQL[] = [eq(rules.orgId, orgId)];
  if (options.productId === null) where.push(isNull(rules.productId));
  else if (options.productId !== undefined) where.push(eq(rules.productId, options.productId));
  return views(
    db,
    orgId,
    await db
      .select()
      .from(rules)
      .where(and(...where))
      .orderBy(asc(rules.name), asc(rules.id)),
  );
}

/** `lock`: on PostgreSQL, held until the transaction ends, so two changes of one rule take turns (SQLite's writers always do). */
export async function ruleRow(db: DbOrTx, orgId: string, id: string, options: { lock?: boolean } = {}): Promise<RuleRow> {
  const query = db
    .select()
    .from(rules)
    .where(and(eq(rules.orgId, orgId), eq(rules.id, id)));
  const [row] = options.lock && engineOf(db) === "postgres" ? await query.for("update") : await query.limit(1);
  if (!row) throw notFound("Rule");
  return row;
}

export async function getRule(db: DbOrTx, orgId: string, id: string): Promise<RuleView> {
  return (await views(db, orgId, [await ruleRow(db, orgId, id)]))[0];
}

async function insertRule(tx: DbOrTx, orgId: string, id: string, rule: ResolvedRule) {
  const now = new Date();
  const { channelIds, ...columns } = rule;
  await tx.insert(rules).values({ id, orgId, ...columns, createdAt: now, updatedAt: now });
  for (const channelId of channelIds) await tx.insert(ruleChannels).values({ ruleId: id, channelId });
}

async function writeRule(tx: DbOrTx, id: string, rule: ResolvedRule) {
  const { channelIds, ...columns } = rule;
  await tx
    .update(rules)
    .set({ ...columns, updatedAt: new Date() })
    .where(eq(rules.id, id));
  await tx.delete(ruleChannels).where(eq(ruleChannels.ruleId, id));
  for (const channelId of channelIds) await tx.insert(ruleChannels).values({ ruleId: id, channelId });
}

/** Creates a rule inside the caller's transaction (the notification-config and product notifications use it). */
export async function createRuleIn(
  tx: DbOrTx,
  orgId: string,
  actor: Actor,
  body: RuleBody,
  options: { id?: string; fieldPrefix?: string } = {},
): Promise<string> {
  const rule = await resolveRuleBody(tx, orgId, body, options);
  const id = options.id ?? newId("rul");
  await insertRule(tx, orgId, id, rule);
  await recordAudit(tx, {
    orgId,
    actor,
    action: "rule.created",
    target: { type: "rule", id, label: rule.name },
    details: { scope: rule.productId ? "product" : "org", ...(body.product ? { product: body.product } : {}), channels: rule.channelIds },
  });
  return id;
}

export async function createRule(db: Db, orgId: string, actor: Actor, body: RuleBody): Promise<RuleView> {
  return db.transaction(async (tx) => getRule(tx, orgId, await createRuleIn(tx, orgId, actor, body)));
}

/** The stored rule as a body, the base a patch is merged onto. */
function bodyOf(view: RuleView): RuleInput {
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
export async function updateRuleIn(tx: DbOrTx, orgId: string, actor: Actor, id: string, patch: RulePatch, options: RuleWriteOptions = {}): Promise<void> {
  const row = await ruleRow(tx, orgId, id, { lock: true });
  refuseManaged(row, options);
  const before = await getRule(tx, orgId, id);
  const prefix = options.fieldPrefix ?? "";
  if (patch.product !== undefined && (patch.product ?? null) !== before.product) {
    throw invalid({ [`${prefix}product`]: ["a rule's scope cannot change; create a new rule instead"] });
  }
  const merged = { ...bodyOf(before), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
  const parsed = ruleSchema.safeParse(merged);
  if (!parsed.success) throw invalid(fieldErrorsOf(parsed.error, prefix));
  const rule = await resolveRuleBody(tx, orgId, parsed.data, { fieldPrefix: prefix });
  await writeRule(tx, id, rule);
  const after = await getRule(tx, orgId, id);
  const changed = (Object.keys(after) as (keyof RuleView)[]).filter((k) => k !== "updatedAt" && JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (changed.length) await recordAudit(tx, { orgId, actor, action: "rule.updated", target: { type: "rule", id, label: rule.name }, details: { changed } });
}

export async function updateRule(db: Db, orgId: string, actor: Actor, id: string, patch: RulePatch, options: RuleWriteOptions = {}): Promise<RuleView> {
  return db.transaction(async (tx) => {
    await updateRuleIn(tx, orgId, actor, id, patch, options);
    return getRule(tx, orgId, id);
  });
}

export async function deleteRuleIn(tx: DbOrTx, orgId: string, actor: Actor, id: string, options: RuleWriteOptions = {}): Promise<void> {
  const row = await ruleRow(tx, orgId, id, { lock: true });
  refuseManaged(row, options);
  await tx.delete(rules).where(eq(rules.id, id));
  await recordAudit(tx, {
    orgId,
    actor,
    action: "rule.removed",
    target: { type: "rule", id, label: row.name },
    details: { scope: row.productId ? "product" : "org" },
  });
}

export async function deleteRule(db: Db, orgId: string, actor: Actor, id: string, options: RuleWriteOptions = {}): Promise<void> {
  await db.transaction((tx) => deleteRuleIn(tx, orgId, actor, id, options));
}

/**
 * "What would match": the last `limit` stored events (test alerts aside) this rule would have sent,
 * newest first, each with every way it goes out (this rule's channels and any other rule's).
 */
export async function whatWouldMatch(db: DbOrTx, orgId: string, ruleId: string, limit = 20): Promise<(EventSummary & { routes: Route[] })[]> {
  const row = await ruleRow(db, orgId, ruleId);
  const rule = matchable(row, (await channelIdsOf(db, [row.id])).get(row.id) ?? []);
  // SQL narrows the candidates; ruleMatches (the code ingest uses) decides.
  const where: SQL[] = [eq(events.orgId, orgId), eq(events.isTest, false), inArray(events.severity, rule.severities)];
  if (rule.eventTypes !== "all") where.push(inArray(events.type, rule.eventTypes));
  if (rule.productId) where.push(eq(events.productId, rule.productId));
  else if (rule.productFilter.length) where.push(inArray(events.productId, rule.productFilter));
  const candidates = await db
    .select()
    .from(events)
    .where(and(...where))
    .orderBy(desc(events.receivedAt), desc(events.id))
    .limit(limit * 5);
  const matched = candidates.filter((e) => ruleMatches(rule, { type: e.type, severity: e.severity, productId: e.productId })).slice(0, limit);
  const routes = await eventRoutes(db, orgId, matched);
  return (await eventSummaries(db, orgId, matched)).map((summary) => ({ ...summary, routes: routes[summary.id] ?? [] }));
}

/** A stored event the rule missed by one criterion only, and which. */
export type NearMiss = EventSummary & { missed: MatchCriterion };

/**
 * "What would match", second half: the last stored events that miss the rule
 * by exactly one criterion (severity, product or type), so a rule that catches
 * nothing says why (issue #21: the README's event is an error, the rule form
 * starts with Alert only). Looks at the last 200 events: what was just sent.
 */
export async function almostMatched(db: DbOrTx, orgId: string, ruleId: string, limit = 5): Promise<NearMiss[]> {
  const row = await ruleRow(db, orgId, ruleId);
  const rule = matchable(row, (await channelIdsOf(db, [row.id])).get(row.id) ?? []);
  const recent = await db
    .select()
    .from(events)
    .where(and(eq(events.orgId, orgId), eq(events.isTest, false)))
    .orderBy(desc(events.receivedAt), desc(events.id))
    .limit(200);
  const misses: { event: (typeof recent)[number]; missed: MatchCriterion }[] = [];
  for (const event of recent) {
    const missed = missedCriteria(rule, event);
    if (missed.length === 1) misses.push({ event, missed: missed[0] });
    if (misses.length === limit) break;
  }
  const summaries = await eventSummaries(
    db,
    orgId,
    misses.map((m) => m.event),
  );
  return summaries.map((summary, i) => ({ ...summary, missed: misses[i].missed }));
}
