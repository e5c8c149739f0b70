import { and, asc, eq, ne } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { channels, rules, SEVERITIES } from "@/db/schema";
import { createChannel, deleteChannel, updateChannel } from "@/db/queries/channels";
import type { Actor } from "@/lib/auth/permissions";
import { maskUrl } from "@/lib/crypto/secrets";
import { conflict, invalid, notFound, type FieldErrors } from "@/lib/errors";
import { orgCatalog } from "@/lib/events/catalog";
import { createChannelSchema, type ChannelInput } from "@/lib/validation/channels";
import type { CreateNotificationInput, NotificationType, PatchNotificationInput } from "@/lib/validation/notifications";
import type { RuleBody } from "@/lib/validation/rules";
import { createRuleIn, deleteRuleIn, notificationRuleId, updateRuleIn } from "./queries";

/**
 * Product notifications, Scalingo-compatible (DESIGN §6). A notification is
 * a channel owned by one product plus that product's rule sending to it (id
 * `rul_<channel id>`), written together in the channel's transaction. Its id
 * is the channel's id. At most one *active* notification per type per product.
 */

export type Product = { id: string; slug: string; name: string };

export type NotificationView = {
  id: string;
  type: NotificationType;
  app: string;
  /** Masked: the URL's credentials never leave the server. */
  webhook_url: string;
  active: boolean;
  send_all_events: boolean;
  selected_events: string[];
  created_at: string;
  updated_at: string;
};

type ChannelRow = typeof channels.$inferSelect;

function view(db: DbOrTx, product: Product, channel: ChannelRow): NotificationView {
  const rule = db.select({ eventTypes: rules.eventTypes }).from(rules).where(eq(rules.id, notificationRuleId(channel.id))).get();
  const eventTypes = rule?.eventTypes ?? [];
  return {
    id: channel.id,
    type: channel.type as NotificationType,
    app: product.slug,
    webhook_url: channel.secretHints.url ?? maskUrl(String(channel.settings.url ?? "")),
    active: channel.enabled,
    send_all_events: eventTypes === "all",
    selected_events: eventTypes === "all" ? [] : eventTypes,
    created_at: channel.createdAt.toISOString(),
    updated_at: channel.updatedAt.toISOString(),
  };
}

function productChannels(db: DbOrTx, orgId: string, productId: string): ChannelRow[] {
  return db
    .select()
    .from(channels)
    .where(and(eq(channels.orgId, orgId), eq(channels.productId, productId)))
    .orderBy(asc(channels.createdAt), asc(channels.id))
    .all();
}

export function listNotifications(db: DbOrTx, orgId: string, product: Product): NotificationView[] {
  return productChannels(db, orgId, product.id).map((c) => view(db, product, c));
}

function notificationRow(db: DbOrTx, orgId: string, product: Product, id: string): ChannelRow {
  const row = db.select().from(channels).where(and(eq(channels.orgId, orgId), eq(channels.productId, product.id), eq(channels.id, id))).get();
  if (!row) throw notFound("Notification");
  return row;
}

export function getNotification(db: DbOrTx, orgId: string, product: Product, id: string): NotificationView {
  return view(db, product, notificationRow(db, orgId, product, id));
}

/** 409 when another active notification of this type exists for the product. */
function assertOnlyActive(db: DbOrTx, orgId: string, product: Product, type: string, exceptId?: string) {
  const where = [eq(channels.orgId, orgId), eq(channels.productId, product.id), eq(channels.type, type as ChannelRow["type"]), eq(channels.enabled, true)];
  if (exceptId) where.push(ne(channels.id, exceptId));
  const other = db.select({ id: channels.id }).from(channels).where(and(...where)).get();
  if (other) {
    throw conflict(
      `Product "${product.slug}" already has an active ${type} notification (${other.id}); deactivate it first, or create this one with "active": false`,
      { "notification.active": [`another active ${type} notification exists`] },
    );
  }
}

/** The channel body for a notification, refused with 422 when the URL does not fit the type (a slack type needs a Slack URL). */
function channelInputFor(type: NotificationType, url: string, name: string, enabled: boolean): ChannelInput {
  const body = type === "webhook" ? { type, name, enabled, url, format: "event" } : { type, name, enabled, url };
  const parsed = createChannelSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const messages = parsed.error.issues.map((i) => i.message);
  throw invalid({ "notification.webhook_url": messages }, `The webhook_url does not fit the type "${type}": ${messages.join("; ")}`);
}

/** Selected events must be the org's event types that a product's events can have. */
function eventTypesFor(db: DbOrTx, orgId: string, sendAll: boolean, selected: string[]): RuleBody["eventTypes"] {
  if (sendAll) return "all";
  const fields: FieldErrors = {};
  if (!selected.length) fields["notification.selected_events"] = ["name at least one event type, or set send_all_events to true"];
  const catalog = new Map(orgCatalog(db, orgId).map((t) => [t.key, t]));
  selected.forEach((key, i) => {
    const type = catalog.get(key);
    const problem = !type ? `unknown event type "${key}"` : type.scope === "org" ? `"${key}" is an organization event; products never have it` : null;
    if (problem) (fields[`notification.selected_events.${i}`] ??= []).push(problem);
  });
  if (Object.keys(fields).length) throw invalid(fields, "Some selected events are invalid");
  return [...new Set(selected)];
}

function ruleBody(product: Product, type: string, channelId: string, eventTypes: RuleBody["eventTypes"]): RuleBody {
  return {
    name: `${type} notification`,
    product: product.slug,
    products: [],
    eventTypes,
    severities: [...SEVERITIES],
    channels: [channelId],
    mode: "immediate",
    digestMinutes: null,
    splitByProduct: false,
    enabled: true,
  };
}

export async function createNotification(db: Db, orgId: string, actor: Actor, product: Product, input: CreateNotificationInput): Promise<NotificationView> {
  const channelInput = channelInputFor(input.type, input.webhook_url, `${product.slug} ${input.type}`, input.active);
  const eventTypes = eventTypesFor(db, orgId, input.send_all_events, input.selected_events);
  if (input.active) assertOnlyActive(db, orgId, product, input.type);
  const channel = await createChannel(db, orgId, actor, channelInput, {
    productId: product.id,
    inTransaction: (tx, created) => {
      // Checked again inside the transaction: two creates racing cannot both be active.
      if (input.active) assertOnlyActive(tx, orgId, product, input.type, created.id);
      createRuleIn(tx, orgId, actor, ruleBody(product, input.type, created.id, eventTypes), { id: notificationRuleId(created.id) });
    },
  });
  return getNotification(db, orgId, product, channel.id);
}

export async function updateNotification(db: Db, orgId: string, actor: Actor, product: Product, id: string, patch: PatchNotificationInput): Promise<NotificationView> {
  const row = notificationRow(db, orgId, product, id);
  const type = row.type as NotificationType;
  if (patch.type !== undefined && patch.type !== type) throw invalid({ "notification.type": ["cannot be changed; create a new notification instead"] });
  if (patch.webhook_url !== undefined) channelInputFor(type, patch.webhook_url, row.name, row.enabled);
  const current = view(db, product, row);
  const sendAll = patch.send_all_events ?? current.send_all_events;
  const eventTypes = eventTypesFor(db, orgId, sendAll, patch.selected_events ?? current.selected_events);
  const active = patch.active ?? row.enabled;
  if (active) assertOnlyActive(db, orgId, product, type, id);
  await updateChannel(db, orgId, actor, id, { url: patch.webhook_url, signingSecret: undefined, enabled: active }, {
    inTransaction: (tx) => {
      if (active) assertOnlyActive(tx, orgId, product, type, id);
      const ruleId = notificationRuleId(id);
      const exists = tx.select({ id: rules.id }).from(rules).where(eq(rules.id, ruleId)).get();
      if (exists) updateRuleIn(tx, orgId, actor, ruleId, { eventTypes, channels: [id], enabled: true }, { managed: true });
      else createRuleIn(tx, orgId, actor, ruleBody(product, type, id, eventTypes), { id: ruleId });
    },
  });
  return getNotification(db, orgId, product, id);
}

export function deleteNotification(db: Db, orgId: string, actor: Actor, product: Product, id: string): void {
  db.transaction((tx) => {
    notificationRow(tx, orgId, product, id);
    const ruleId = notificationRuleId(id);
    if (tx.select({ id: rules.id }).from(rules).where(eq(rules.id, ruleId)).get()) deleteRuleIn(tx, orgId, actor, ruleId, { managed: true });
    // A nested transaction is a savepoint: the channel goes with the rule, or neither does.
    deleteChannel(tx as unknown as Db, orgId, actor, id);
  });
}

