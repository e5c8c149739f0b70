import { and, asc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { channels, memberships, products, rules, users, SEVERITIES } from "@/db/schema";
import { createChannel, deleteChannel } from "@/lib/channels/service";
import type { Actor } from "@/lib/auth/permissions";
import { maskUrl } from "@/lib/channels/credential-url";
import { invalid, notFound, type FieldErrors } from "@/lib/errors";
import { orgCatalog } from "@/lib/events/catalog";
import { createChannelSchema, type ChannelInput } from "@/lib/validation/channels";
import { CLEVER_EVENTS, type CleverEmailhookInput, type CleverWebhookInput } from "@/lib/validation/clever-hooks";
import type { RuleBody } from "@/lib/validation/rules";
import { createRuleIn, deleteRuleIn, notificationRuleId } from "./queries";

/**
 * Clever Cloud's notification hooks (issue #19 item 8), as clever-tools calls
 * them: `/api/v2/notifications/webhooks/{owner}` and `…/emailhooks/{owner}`,
 * owner being the org's slug. A hook is an org channel and its org rule (id
 * `rul_<channel id>`, as a Scalingo notification's), written in one
 * transaction; its id is the channel's. A `raw` webhook gets Herald's JSON
 * array, a `slack` one a Slack channel; an e-mail hook mails addresses, the
 * org's owners and admins (`organisation`), or members by id (`userid`).
 */

type CleverHookBase = { id: string; ownerId: string; name: string; scope: string[]; events: string[] };
export type CleverWebhookView = CleverHookBase & { urls: { format: "raw" | "slack"; url: string }[] };
export type CleverEmailhookView = CleverHookBase & { notified: { type: "email" | "userid" | "organisation"; target: string }[] };

/** The hook Clever Cloud makes for every organization; Herald makes it too when it can send e-mail. */
export const DEFAULT_EMAILHOOK_NAME = "Default deployment result e-mails";

type Org = { id: string; slug: string };
type ChannelRow = typeof channels.$inferSelect;
const ORG_GROUPS = ["@owners", "@admins"];

/** `rul_` || the channel's id: the id of its managed rule (notificationRuleId, in SQL). */
const managedRuleId = sql`('rul_' || ${channels.id})`;

/** The org's hooks of these channel types: org channels with their managed rule. */
async function hookRows(db: DbOrTx, orgId: string, types: ChannelRow["type"][]) {
  return db
    .select({ channel: channels, rule: rules })
    .from(channels)
    .innerJoin(rules, eq(rules.id, managedRuleId))
    .where(and(eq(channels.orgId, orgId), isNull(channels.productId), inArray(channels.type, types)))
    .orderBy(asc(channels.createdAt), asc(channels.id));
}

async function slugsOf(db: DbOrTx, orgId: string): Promise<Map<string, string>> {
  return new Map((await db.select({ id: products.id, slug: products.slug }).from(products).where(eq(products.orgId, orgId))).map((p) => [p.id, p.slug]));
}

function baseView(org: Org, channel: ChannelRow, rule: typeof rules.$inferSelect, slugOf: Map<string, string>): CleverHookBase {
  return {
    id: channel.id,
    ownerId: org.slug,
    name: channel.name,
    scope: rule.productFilter.map((id) => slugOf.get(id) ?? id),
    events: rule.eventTypes === "all" ? [] : rule.eventTypes,
  };
}

export async function listWebhooks(db: DbOrTx, org: Org): Promise<CleverWebhookView[]> {
  const slugOf = await slugsOf(db, org.id);
  return (await hookRows(db, org.id, ["webhook", "slack"])).map(({ channel, rule }) => ({
    ...baseView(org, channel, rule, slugOf),
    // Masked: the URL is a credential (Slack's path token, a receiver's secret path).
    urls: [{ format: channel.type === "slack" ? "slack" : "raw", url: channel.secretHints.url ?? maskUrl(String(channel.settings.url ?? "")) }],
  }));
}

export async function listEmailhooks(db: DbOrTx, org: Org): Promise<CleverEmailhookView[]> {
  const slugOf = await slugsOf(db, org.id);
  return (await hookRows(db, org.id, ["email"])).map(({ channel, rule }) => {
    const recipients = (channel.settings.recipients as string[] | undefined) ?? [];
    const notified: CleverEmailhookView["notified"] = recipients
      .filter((r) => !ORG_GROUPS.includes(r))
      .map((address) => ({ type: "email" as const, target: address }));
    if (recipients.some((r) => ORG_GROUPS.includes(r))) notified.unshift({ type: "organisation", target: org.slug });
    return { ...baseView(org, channel, rule, slugOf), notified };
  });
}

/** Clever Cloud's event names (or Herald's type keys) → the rule's event types; none → all. */
async function eventTypesOf(db: DbOrTx, orgId: string, events: string[] | undefined): Promise<RuleBody["eventTypes"]> {
  if (!events?.length) return "all";
  const known = new Set((await orgCatalog(db, orgId)).map((t) => t.key));
  const fields: FieldErrors = {};
  const out = events.flatMap((name, i) => {
    const mapped = CLEVER_EVENTS[name] ?? (known.has(name) ? [name] : null);
    if (!mapped) (fields[`events.${i}`] ??= []).push(`unknown event "${name}": use ${Object.keys(CLEVER_EVENTS).join(", ")} or a Herald event type`);
    return mapped ?? [];
  });
  if (Object.keys(fields).length) throw invalid(fields, "Some events are unknown");
  return [...new Set(out)];
}

/** Applications (product slugs or ids) → product slugs for the rule; none → every product. */
async function scopeOf(db: DbOrTx, orgId: string, scope: string[] | undefined): Promise<string[]> {
  if (!scope?.length) return [];
  const rows = await db
    .select({ id: products.id, slug: products.slug })
    .from(products)
    .where(and(eq(products.orgId, orgId), or(inArray(products.slug, scope), inArray(products.id, scope))));
  const fields: FieldErrors = {};
  const slugs = scope.map((ref, i) => {
    const product = rows.find((p) => p.slug === ref || p.id === ref);
    if (!product) (fields[`scope.${i}`] ??= []).push(`unknown application "${ref}"`);
    return product?.slug ?? "";
  });
  if (Object.keys(fields).length) throw invalid(fields, "Some applications are unknown");
  return [...new Set(slugs)];
}

function ruleBody(name: string, channelId: string, products: string[], eventTypes: RuleBody["eventTypes"]): RuleBody {
  return {
    name,
    product: null,
    products,
    eventTypes,
    severities: [...SEVERITIES],
    channels: [channelId],
    mode: "immediate",
    digestMinutes: null,
    splitByProduct: false,
    enabled: true,
  };
}

/** The channel input, refused with 422 on the field clever-tools sent when it does not fit. */
function parseChannel(body: unknown, field: string): ChannelInput {
  const parsed = createChannelSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw invalid({ [field]: parsed.error.issues.map((i) => i.message) });
}

async function createHook(db: Db, org: Org, actor: Actor, input: ChannelInput, scope: string[] | undefined, events: string[] | undefined): Promise<string> {
  const products = await scopeOf(db, org.id, scope);
  const eventTypes = await eventTypesOf(db, org.id, events);
  const channel = await createChannel(db, org.id, actor, input, {
    inTransaction: (tx, created) =>
      createRuleIn(tx, org.id, actor, ruleBody(input.name, created.id, products, eventTypes), { id: notificationRuleId(created.id) }).then(() => undefined),
  });
  return channel.id;
}

export async function createWebhook(db: Db, org: Org, actor: Actor, body: CleverWebhookInput): Promise<CleverWebhookView> {
  const [{ format, url }] = body.urls;
  if (format === "flowdock" || format === "gitter") {
    throw invalid({ "urls.0.format": [`${format} is no longer a service Herald can post to: use raw (Herald's JSON) or slack`] });
  }
  const name = body.name ?? `${format} webhook`;
  const input = parseChannel(format === "slack" ? { type: "slack", name, url } : { type: "webhook", name, url, format: "array" }, "urls.0.url");
  const id = await createHook(db, org, actor, input, body.scope, body.events);
  return (await listWebhooks(db, org)).find((h) => h.id === id)!;
}

export async function createEmailhook(db: Db, org: Org, actor: Actor, body: CleverEmailhookInput): Promise<CleverEmailhookView> {
  const recipients: string[] = [];
  const fields: FieldErrors = {};
  const notified = body.notified?.length ? body.notified : [{ type: "organisation" as const, target: org.slug }];
  const members = new Map(
    (
      await db
        .select({ id: users.id, email: users.email })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.orgId, org.id))
    ).map((m) => [m.id, m.email]),
  );
  notified.forEach(({ type, target }, i) => {
    if (type === "email") recipients.push(target);
    else if (type === "organisation") recipients.push(...ORG_GROUPS);
    else if (members.has(target)) recipients.push(members.get(target)!);
    else (fields[`notified.${i}.target`] ??= []).push(`no member of this organization has the id "${target}"`);
  });
  if (Object.keys(fields).length) throw invalid(fields);
  const name = body.name ?? "E-mail notification";
  const input = parseChannel({ type: "email", name, recipients: [...new Set(recipients)] }, "notified");
  const id = await createHook(db, org, actor, input, body.scope, body.events);
  return (await listEmailhooks(db, org)).find((h) => h.id === id)!;
}

/** Deletes a hook of this kind: its rule, then its channel, together. */
export async function deleteHook(db: Db, org: Org, actor: Actor, kind: "webhook" | "emailhook", id: string): Promise<void> {
  const types: ChannelRow["type"][] = kind === "webhook" ? ["webhook", "slack"] : ["email"];
  await db.transaction(async (tx) => {
    const [hook] = (await hookRows(tx, org.id, types)).filter((h) => h.channel.id === id);
    if (!hook) throw notFound(kind === "webhook" ? "Webhook" : "E-mail hook");
    await deleteRuleIn(tx, org.id, actor, hook.rule.id, { managed: true });
    // A nested transaction is a savepoint: the channel goes with the rule, or neither does.
    await deleteChannel(tx as unknown as Db, org.id, actor, id);
  });
}
