import { and, asc, eq, ne } from "drizzle-orm";
import { engineOf, type Db, type DbOrTx } from "@/db/client";
import { channels, products, rules, SEVERITIES } from "@/db/schema";
import { createChannel, deleteChannel, updateChannel } from "@/lib/channels/service";
import type { Actor } from "@/lib/auth/permissions";
import { maskUrl } from "@/lib/channels/credential-url";
import { conflict, invalid, notFound, type FieldErrors } from "@/lib/errors";
import { orgCatalog } from "@/lib/events/catalog";
import { createChannelSchema, type ChannelInput } from "@/lib/validation/channels";
import { inferNotificationType, type CreateNotificationInput, type NotificationType, type PatchNotificationInput } from "@/lib/validation/notifications";
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
  /** The product's id (Scalingo's name for the app reference). */
  app_id: string;
  /** Masked: the URL's credentials never leave the server. */
  webhook_url: string;
  active: boolean;
  send_all_events: boolean;
  selected_events: string[];
  created_at: string;
  updated_at: string;
};

type ChannelRow = typeof channels.$inferSelect;

async function view(db: DbOrTx, product: Product, channel: ChannelRow): Promise<NotificationView> {
  const [rule] = await db
    .select({ eventTypes: rules.eventTypes })
    .from(rules)
    .where(eq(rules.id, notificationRuleId(channel.id)))
    .limit(1);
  const eventTypes = rule?.eventTypes ?? [];
  return {
    id: channel.id,
    type: channel.type as NotificationType,
    app: product.slug,
    app_id: product.id,
    webhook_url: channel.secretHints.url ?? maskUrl(String(channel.settings.url ?? "")),
    active: channel.enabled,
    send_all_events: eventTypes === "all",
    selected_events: eventTypes === "all" ? [] : eventTypes,
    created_at: channel.createdAt.toISOString(),
    updated_at: channel.updatedAt.toISOString(),
  };
}

async function productChannels(db: DbOrTx, orgId: string, productId: string): Promise<ChannelRow[]> {
  return db
    .select()
    .from(channels)
    .where(and(eq(channels.orgId, orgId), eq(channels.productId, productId)))
    .orderBy(asc(channels.createdAt), asc(channels.id));
}

export async function listNotifications(db: DbOrTx, orgId: string, product: Product): Promise<NotificationView[]> {
  const out: NotificationView[] = [];
  for (const c of await productChannels(db, orgId, product.id)) out.push(await view(db, product, c));
  return out;
}

async function notificationRow(db: DbOrTx, orgId: string, product: Product, id: string): Promise<ChannelRow> {
  const [row] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.orgId, orgId), eq(channels.productId, product.id), eq(channels.id, id)))
    .limit(1);
  if (!row) throw notFound("Notification");
  return row;
}

export async function getNotification(db: DbOrTx, orgId: string, product: Product, id: string): Promise<NotificationView> {
  return view(db, product, await notificationRow(db, orgId, product, id));
}

/**
 * Inside a transaction on PostgreSQL, makes the product's notification changes
 * take turns (until the transaction ends), so the check below holds when two
 * race; SQLite's write transactions always take turns.
 */
async function lockProductNotifications(tx: DbOrTx, productId: string) {
  if (engineOf(tx) === "sqlite") return;
  await tx.select({ id: products.id }).from(products).where(eq(products.id, productId)).for("no key update");
}

/** 409 when another active notification of this type exists for the product. */
async function assertOnlyActive(db: DbOrTx, orgId: string, product: Product, type: string, exceptId?: string) {
  const where = [eq(channels.orgId, orgId), eq(channels.productId, product.id), eq(channels.type, type as ChannelRow["type"]), eq(channels.enabled, true)];
  if (exceptId) where.push(ne(channels.id, exceptId));
  const [other] = await db
    .select({ id: channels.id })
    .from(channels)
    .where(and(...where))
    .limit(1);
  if (other) {
    throw conflict(
      `Product "${product.slug}" already has an active ${type} notification (${other.id}); deactivate it first, or create this one with "active": false`,
      { "notification.active": [`another active ${type} notification exists`] },
    );
  }
}

/**
 * The channel body for a notification, refused with 422 when the URL does not
 * fit the type (a slack type needs a Slack URL). A webhook gets Scalingo's own
 * body, one POST per event, so a receiver written for Scalingo works unchanged.
 */
function channelInputFor(type: NotificationType, url: string, name: string, enabled: boolean): ChannelInput {
  const body = type === "webhook" ? { type, name, enabled, url, format: "scalingo" } : { type, name, enabled, url };
  const parsed = createChannelSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const messages = parsed.error.issues.map((i) => i.message);
  throw invalid({ "notification.webhook_url": messages }, `The webhook_url does not fit the type "${type}": ${messages.join("; ")}`);
}

/** Selected events must be the org's event types that a product's events can have. */
async function eventTypesFor(db: DbOrTx, orgId: string, sendAll: boolean, selected: string[]): Promise<RuleBody["eventTypes"]> {
  if (sendAll) return "all";
  const fields: FieldErrors = {};
  if (!selected.length) fields["notification.selected_events"] = ["name at least one event type, or set send_all_events to true"];
  const catalog = new Map((await orgCatalog(db, orgId)).map((t) => [t.key, t]));
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

export async function createNotification(db: Db, orgId: string, actor: Actor, product: Product, body: CreateNotificationInput): Promise<NotificationView> {
  const input = { ...body, type: body.type ?? inferNotificationType(body.webhook_url) };
  const channelInput = channelInputFor(input.type, input.webhook_url, `${product.slug} ${input.type}`, input.active);
  const eventTypes = await eventTypesFor(db, orgId, input.send_all_events, input.selected_events);
  if (input.active) await assertOnlyActive(db, orgId, product, input.type);
  const channel = await createChannel(db, orgId, actor, channelInput, {
    productId: product.id,
    inTransaction: async (tx, created) => {
      // Checked again inside the transaction: two creates racing cannot both be active.
      await lockProductNotifications(tx, product.id);
      if (input.active) await assertOnlyActive(tx, orgId, product, input.type, created.id);
      await createRuleIn(tx, orgId, actor, ruleBody(product, input.type, created.id, eventTypes), { id: notificationRuleId(created.id) });
    },
  });
  return getNotification(db, orgId, product, channel.id);
}

export async function updateNotification(
  db: Db,
  orgId: string,
  actor: Actor,
  product: Product,
  id: string,
  patch: PatchNotificationInput,
): Promise<NotificationView> {
  const row = await notificationRow(db, orgId, product, id);
  const type = row.type as NotificationType;
  if (patch.type !== undefined && patch.type !== type) throw invalid({ "notification.type": ["cannot be changed; create a new notification instead"] });
  if (patch.webhook_url !== undefined) channelInputFor(type, patch.webhook_url, row.name, row.enabled);
  const current = await view(db, product, row);
  const sendAll = patch.send_all_events ?? current.send_all_events;
  const eventTypes = await eventTypesFor(db, orgId, sendAll, patch.selected_events ?? current.selected_events);
  const active = patch.active ?? row.enabled;
  if (active) await assertOnlyActive(db, orgId, product, type, id);
  await updateChannel(
    db,
    orgId,
    actor,
    id,
    { url: patch.webhook_url, signingSecret: undefined, enabled: active },
    {
      inTransaction: async (tx) => {
        await lockProductNotifications(tx, product.id);
        if (active) await assertOnlyActive(tx, orgId, product, type, id);
        const ruleId = notificationRuleId(id);
        const [exists] = await tx.select({ id: rules.id }).from(rules).where(eq(rules.id, ruleId)).limit(1);
        if (exists) await updateRuleIn(tx, orgId, actor, ruleId, { eventTypes, channels: [id], enabled: true }, { managed: true });
        else await createRuleIn(tx, orgId, actor, ruleBody(product, type, id, eventTypes), { id: ruleId });
      },
    },
  );
  return getNotification(db, orgId, product, id);
}

export async function deleteNotification(db: Db, orgId: string, actor: Actor, product: Product, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    await notificationRow(tx, orgId, product, id);
    const ruleId = notificationRuleId(id);
    const [rule] = await tx.select({ id: rules.id }).from(rules).where(eq(rules.id, ruleId)).limit(1);
    if (rule) await deleteRuleIn(tx, orgId, actor, ruleId, { managed: true });
    // A nested transaction is a savepoint: the channel goes with the rule, or neither does.
    await deleteChannel(tx as unknown as Db, orgId, actor, id);
  });
}
