import { and, asc, count, desc, eq, gte, inArray, isNull, lt, ne, or, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { channels, deliveries, deliveryEvents, events, products, type ChannelType, type DeliveryStatus, type Severity } from "@/db/schema";
import { AppError, notFound } from "@/lib/errors";
import { DIRECT_TEST_ALERT_SOURCE } from "./sources";
import type { EventFilters } from "@/lib/validation/event-log";

/**
 * The events list (DESIGN §7: events list; §8 of the issue): stored events of
 * an org, newest first, filtered and paged by a cursor, each with the
 * deliveries it produced.
 */

export type EventRow = typeof events.$inferSelect;

export type EventSummary = {
  id: string;
  type: string;
  severity: Severity;
  title: string;
  /** Product slug. */
  product: string | null;
  occurredAt: string;
  receivedAt: string;
  isTest: boolean;
  /** Deliveries that include the event, by status. */
  deliveryCounts: Partial<Record<DeliveryStatus, number>>;
  /** The silence that kept it from one or more channels (lib/silences), if any. */
  silencedBy: string | null;
};

export type EventView = EventSummary & {
  data: Record<string, unknown>;
  source: string | null;
  /** The producer's `id` (idempotency key), if it gave one. */
  producerId: string | null;
};

export type EventDelivery = {
  id: string;
  status: DeliveryStatus;
  channelId: string;
  channel: { name: string; type: ChannelType };
  attemptCount: number;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  lastError: string | null;
  /** True while a digest is still collecting events. */
  collecting: boolean;
};

function encodeCursor(at: Date, id: string) {
  return Buffer.from(`${at.getTime()}:${id}`).toString("base64url");
}

function decodeCursor(cursor: string) {
  const m = /^(\d+):(.+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw new AppError("bad_request", "Some query parameters are invalid", { cursor: ["is not a cursor this API gave out"] });
  return { at: new Date(Number(m[1])), id: m[2] };
}

/** Summaries of stored events (slugs and delivery counts filled in), in the order given. */
export async function eventSummaries(db: DbOrTx, orgId: string, rows: EventRow[]): Promise<EventSummary[]> {
  return (await views(db, orgId, rows)).map(({ id, type, severity, title, product, occurredAt, receivedAt, isTest, deliveryCounts, silencedBy }) => ({
    id,
    type,
    severity,
    title,
    product,
    occurredAt,
    receivedAt,
    isTest,
    deliveryCounts,
    silencedBy,
  }));
}

async function views(db: DbOrTx, orgId: string, rows: EventRow[]): Promise<EventView[]> {
  if (!rows.length) return [];
  const slugs = new Map((await db.select({ id: products.id, slug: products.slug }).from(products).where(eq(products.orgId, orgId))).map((p) => [p.id, p.slug]));
  const counts = new Map<string, Partial<Record<DeliveryStatus, number>>>();
  for (const c of await db
    .select({ eventId: deliveryEvents.eventId, status: deliveries.status, n: count() })
    .from(deliveryEvents)
    .innerJoin(deliveries, eq(deliveries.id, deliveryEvents.deliveryId))
    .where(
      inArray(
        deliveryEvents.eventId,
        rows.map((r) => r.id),
      ),
    )
    .groupBy(deliveryEvents.eventId, deliveries.status)) {
    counts.set(c.eventId, { ...counts.get(c.eventId), [c.status]: c.n });
  }
  return rows.map((e) => ({
    id: e.id,
    type: e.type,
    severity: e.severity,
    title: e.title,
    product: e.productId ? (slugs.get(e.productId) ?? null) : null,
    occurredAt: e.occurredAt.toISOString(),
    receivedAt: e.receivedAt.toISOString(),
    isTest: e.isTest,
    deliveryCounts: counts.get(e.id) ?? {},
    silencedBy: e.silencedBy,
    data: e.data,
    source: e.source,
    producerId: e.idempotencyKey,
  }));
}

export async function listEvents(db: DbOrTx, orgId: string, filters: EventFilters): Promise<{ events: EventView[]; nextCursor: string | null }> {
  // Test alerts sent "directly" (not written to the log) are kept out of the list; their own page still opens.
  const where: SQL[] = [eq(events.orgId, orgId), or(isNull(events.source), ne(events.source, DIRECT_TEST_ALERT_SOURCE))!];
  if (filters.type) where.push(eq(events.type, filters.type));
  if (filters.severity) where.push(eq(events.severity, filters.severity));
  if (filters.product) {
    const [product] = await db
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.orgId, orgId), eq(products.slug, filters.product)))
      .limit(1);
    if (!product) throw notFound("Product");
    where.push(eq(events.productId, product.id));
  }
  if (filters.from) where.push(gte(events.receivedAt, new Date(filters.from)));
  if (filters.to) where.push(lt(events.receivedAt, new Date(filters.to)));
  if (filters.cursor) {
    const c = decodeCursor(filters.cursor);
    where.push(or(lt(events.receivedAt, c.at), and(eq(events.receivedAt, c.at), lt(events.id, c.id)))!);
  }
  const rows = await db
    .select()
    .from(events)
    .where(and(...where))
    .orderBy(desc(events.receivedAt), desc(events.id))
    .limit(filters.limit + 1);
  const page = rows.slice(0, filters.limit);
  const last = page.at(-1);
  return { events: await views(db, orgId, page), nextCursor: rows.length > filters.limit && last ? encodeCursor(last.receivedAt, last.id) : null };
}

/** One event with its data and every delivery that includes it. */
export async function getEvent(db: DbOrTx, orgId: string, id: string): Promise<{ event: EventView; deliveries: EventDelivery[] }> {
  const [row] = await db
    .select()
    .from(events)
    .where(and(eq(events.orgId, orgId), eq(events.id, id)))
    .limit(1);
  if (!row) throw notFound("Event");
  const produced = await db
    .select({ d: deliveries, channelName: channels.name, channelType: channels.type })
    .from(deliveryEvents)
    .innerJoin(deliveries, eq(deliveries.id, deliveryEvents.deliveryId))
    .innerJoin(channels, eq(channels.id, deliveries.channelId))
    .where(eq(deliveryEvents.eventId, id))
    .orderBy(asc(deliveries.createdAt), asc(deliveries.id));
  return {
    event: (await views(db, orgId, [row]))[0],
    deliveries: produced.map(({ d, channelName, channelType }) => ({
      id: d.id,
      status: d.status,
      channelId: d.channelId,
      channel: { name: channelName, type: channelType },
      attemptCount: d.attemptCount,
      nextAttemptAt: d.status === "queued" ? d.nextAttemptAt.toISOString() : null,
      createdAt: d.createdAt.toISOString(),
      deliveredAt: d.deliveredAt?.toISOString() ?? null,
      lastError: d.lastError,
      collecting: d.digestKey !== null,
    })),
  };
}
