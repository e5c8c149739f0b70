import { and, asc, desc, eq, exists, gte, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { engineOf, type DbOrTx } from "@/db/client";
import { attempts, channels, deliveries, deliveryEvents, events, products, type ChannelType, type DeliveryStatus } from "@/db/schema";
import { FINISHED_DELIVERY, FINISHED_STATUSES } from "@/db/schema/values";
import { parseStoredHeaders } from "@/lib/channels/response-headers";
import { AppError, notFound } from "@/lib/errors";
import type { DeliveryFilters } from "@/lib/validation/deliveries";

/**
 * The delivery log (DESIGN §7.1): every delivery of an org with its events
 * and attempts, newest first, filtered and paged by a cursor.
 */

export type AttemptView = {
  id: string;
  at: string;
  durationMs: number;
  /** HTTP status, or the SMTP reply code; null when nothing answered. */
  status: number | null;
  outcome: "delivered" | "retry" | "throttled" | "failed" | "dead";
  response?: string;
  /** The answer's headers, the channel's secrets taken out (≤ 1 KB stored); HTTP channels only. */
  responseHeaders?: Record<string, string>;
  /** Of a delivery sent as several POSTs, the 1-based one whose answer this is (its request: the detail's `request.messages[part - 1]`). */
  part?: number;
  error?: string;
};

/** What a row names the delivery by: its (first) event, and its product. */
type DeliveryEventSummary = { id: string; type: string; title: string };

export type DeliveryView = {
  id: string;
  status: DeliveryStatus;
  channelId: string;
  channel: { name: string; type: ChannelType };
  productId: string | null;
  /** The delivery's product (a single event's, when the delivery names none). */
  product: { slug: string; name: string } | null;
  /** The delivery's first event (a digest's earliest); `eventIds` lists them all. */
  event: DeliveryEventSummary | null;
  eventIds: string[];
  attemptCount: number;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
  lastError: string | null;
  isTest: boolean;
  attempts: AttemptView[];
};

/** Cursor = the (createdAt, id) of the last row of a page, opaque to clients. */
function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.getTime()}:${id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const m = /^(\d+):(.+)$/.exec(text);
  if (!m) throw new AppError("bad_request", "Some query parameters are invalid", { cursor: ["is not a cursor this API gave out"] });
  return { at: new Date(Number(m[1])), id: m[2] };
}

export async function listDeliveries(db: DbOrTx, orgId: string, filters: DeliveryFilters): Promise<{ deliveries: DeliveryView[]; nextCursor: string | null }> {
  // By event: SQLite plans without statistics (nothing runs ANALYZE) and, given org_id = ?, walks
  // the org's time index through the whole history testing each delivery against the event — 4 s at
  // 10 M deliveries (docs/performance.md, Growth). The unary plus makes the org a plain filter there,
  // so the plan starts from the event's few deliveries (delivery_events_event_idx).
  const where: SQL[] = [filters.event && engineOf(db) === "sqlite" ? sql`+${deliveries.orgId} = ${orgId}` : eq(deliveries.orgId, orgId)];
  if (filters.status) {
    where.push(eq(deliveries.status, filters.status));
    // Verbatim, so SQLite may use the partial deliveries_finished_idx (PostgreSQL infers it).
    if (FINISHED_STATUSES.includes(filters.status)) where.push(sql.raw(FINISHED_DELIVERY));
  }
  if (filters.channel) where.push(eq(deliveries.channelId, filters.channel));
  if (filters.event)
    where.push(inArray(deliveries.id, db.select({ id: deliveryEvents.deliveryId }).from(deliveryEvents).where(eq(deliveryEvents.eventId, filters.event))));
  if (filters.product) {
    const [product] = await db
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.orgId, orgId), eq(products.slug, filters.product)))
      .limit(1);
    if (!product) throw notFound("Product");
    where.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(deliveryEvents)
          .innerJoin(events, eq(events.id, deliveryEvents.eventId))
          .where(and(eq(deliveryEvents.deliveryId, deliveries.id), eq(events.productId, product.id))),
      ),
    );
  }
  if (filters.from) where.push(gte(deliveries.createdAt, new Date(filters.from)));
  if (filters.to) where.push(lt(deliveries.createdAt, new Date(filters.to)));
  if (filters.cursor) {
    const c = decodeCursor(filters.cursor);
    where.push(or(lt(deliveries.createdAt, c.at), and(eq(deliveries.createdAt, c.at), lt(deliveries.id, c.id)))!);
  }
  const rows = await db
    .select({ d: deliveries, channelName: channels.name, channelType: channels.type })
    .from(deliveries)
    .innerJoin(channels, eq(channels.id, deliveries.channelId))
    .where(and(...where))
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(filters.limit + 1);
  const page = rows.slice(0, filters.limit);
  const last = page.at(-1);
  return {
    deliveries: await withDetails(db, page),
    nextCursor: rows.length > filters.limit && last ? encodeCursor(last.d.createdAt, last.d.id) : null,
  };
}

export async function getDelivery(db: DbOrTx, orgId: string, id: string): Promise<DeliveryView> {
  const [row] = await db
    .select({ d: deliveries, channelName: channels.name, channelType: channels.type })
    .from(deliveries)
    .innerJoin(channels, eq(channels.id, deliveries.channelId))
    .where(and(eq(deliveries.orgId, orgId), eq(deliveries.id, id)))
    .limit(1);
  if (!row) throw notFound("Delivery");
  return (await withDetails(db, [row]))[0];
}

type Row = { d: typeof deliveries.$inferSelect; channelName: string; channelType: ChannelType };

async function withDetails(db: DbOrTx, rows: Row[]): Promise<DeliveryView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.d.id);
  const eventIds = new Map<string, string[]>();
  for (const link of await db
    .select({ deliveryId: deliveryEvents.deliveryId, eventId: deliveryEvents.eventId })
    .from(deliveryEvents)
    .innerJoin(events, eq(events.id, deliveryEvents.eventId))
    .where(inArray(deliveryEvents.deliveryId, ids))
    .orderBy(asc(events.occurredAt), asc(events.id))) {
    eventIds.set(link.deliveryId, [...(eventIds.get(link.deliveryId) ?? []), link.eventId]);
  }
  // The first event of each delivery, by its primary key: a digest's other events' titles are not read.
  const firstIds = [...new Set([...eventIds.values()].map((list) => list[0]))];
  const firstEvents = new Map(
    (firstIds.length
      ? await db.select({ id: events.id, type: events.type, title: events.title, productId: events.productId }).from(events).where(inArray(events.id, firstIds))
      : []
    ).map((e) => [e.id, e]),
  );
  const productOf = (d: Row["d"]) => d.productId ?? (eventIds.get(d.id)?.length === 1 ? (firstEvents.get(eventIds.get(d.id)![0])?.productId ?? null) : null);
  const productIds = [...new Set(rows.map((r) => productOf(r.d)).filter((id): id is string => id !== null))];
  const productsById = new Map(
    (productIds.length
      ? await db.select({ id: products.id, slug: products.slug, name: products.name }).from(products).where(inArray(products.id, productIds))
      : []
    ).map((p) => [p.id, { slug: p.slug, name: p.name }]),
  );
  const attemptsOf = new Map<string, AttemptView[]>();
  for (const a of await db.select().from(attempts).where(inArray(attempts.deliveryId, ids)).orderBy(asc(attempts.at), asc(attempts.id))) {
    const view: AttemptView = { id: a.id, at: a.at.toISOString(), durationMs: a.durationMs, status: a.statusCode, outcome: a.outcome };
    if (a.response) view.response = a.response;
    const headers = parseStoredHeaders(a.responseHeaders);
    if (headers) view.responseHeaders = headers;
    if (a.part !== null) view.part = a.part;
    if (a.error) view.error = a.error;
    attemptsOf.set(a.deliveryId, [...(attemptsOf.get(a.deliveryId) ?? []), view]);
  }
  return rows.map(({ d, channelName, channelType }) => {
    const first = firstEvents.get(eventIds.get(d.id)?.[0] ?? "");
    const productId = productOf(d);
    return {
      id: d.id,
      status: d.status,
      channelId: d.channelId,
      channel: { name: channelName, type: channelType },
      productId: d.productId,
      product: (productId && productsById.get(productId)) || null,
      event: first ? { id: first.id, type: first.type, title: first.title } : null,
      eventIds: eventIds.get(d.id) ?? [],
      attemptCount: d.attemptCount,
      nextAttemptAt: d.status === "queued" ? d.nextAttemptAt.toISOString() : null,
      createdAt: d.createdAt.toISOString(),
      deliveredAt: d.deliveredAt?.toISOString() ?? null,
      lastError: d.lastError,
      isTest: d.isTest,
      attempts: attemptsOf.get(d.id) ?? [],
    };
  });
}
