import { and, asc, count, eq, gte, inArray, lte, min, sql, sum } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { channelHourlyCounts, channels, deliveries, products, type ChannelHealth, type ChannelType } from "@/db/schema";
import { PENDING_DELIVERY } from "@/db/schema/values";
import { errorSentence, FIGURES_HOUR_MS } from "@/lib/dispatch/health";
import { listEvents, type EventSummary } from "@/lib/events/event-log";
import { eventFiltersSchema } from "@/lib/validation/event-log";

/**
 * The org overview (the console's landing page, /o/{org}; issue #20 item 7): what
 * was delivered and failed per hour, what waits in the queue, which channels are
 * unwell, and the latest events. Every figure is the org's as a whole: the page
 * is for every member, like the events list and the delivery log, which show
 * every member all of the org's events and deliveries.
 */

const OVERVIEW_RANGES = { "24h": 24, "7d": 7 * 24 } as const;
export type OverviewRange = keyof typeof OVERVIEW_RANGES;

/** One hour (its start, ISO) of finished deliveries: delivered, and failed (failed or dead). */
export type HourOutcomes = { hour: string; delivered: number; failed: number };

export type DeliveriesPerHour = {
  range: OverviewRange;
  /** Start of the first hour shown: the hours run from there to the current (partial) one. */
  since: string;
  hours: HourOutcomes[];
  delivered: number;
  failed: number;
};

/**
 * Deliveries per hour by outcome, from channel_hourly_counts (the channels'
 * "last 24 h" figures, written with the outcomes): at most one row per channel
 * and hour, reached along its primary key (channel_id, hour) for each of the
 * org's channels. Counting the deliveries instead grows with the traffic:
 * measured on SQLite (2-core machine, a day of history at 12 deliveries/s,
 * 1 M deliveries), grouping the org's finished deliveries of the last 24 h by
 * hour took 210–270 ms even along the covering deliveries_finished_idx — seven
 * times that for the 7-day chart, on every page load — against 0.03–0.09 ms
 * for the same 24 hours of counts; and a failed delivery's row carries no time
 * at which it failed. So the pruner keeps these rows 8 days, not 2, for the
 * 7-day chart to be whole (lib/retention/prune.ts): at most 192 small rows per
 * channel.
 *
 * A deleted channel's counts go with it (ON DELETE CASCADE), so the chart shows
 * the org's current channels.
 */
export async function deliveriesPerHour(db: DbOrTx, orgId: string, range: OverviewRange, now = Date.now()): Promise<DeliveriesPerHour> {
  const count = OVERVIEW_RANGES[range];
  const current = Math.floor(now / FIGURES_HOUR_MS) * FIGURES_HOUR_MS;
  const since = current - (count - 1) * FIGURES_HOUR_MS;
  const rows = await db
    .select({ hour: channelHourlyCounts.hour, delivered: sum(channelHourlyCounts.delivered), failed: sum(channelHourlyCounts.failed) })
    .from(channelHourlyCounts)
    .innerJoin(channels, eq(channels.id, channelHourlyCounts.channelId))
    .where(and(eq(channels.orgId, orgId), gte(channelHourlyCounts.hour, new Date(since))))
    .groupBy(channelHourlyCounts.hour);
  // sum() reads back as a string on PostgreSQL (bigint), a number on SQLite.
  const byHour = new Map(rows.map((r) => [r.hour.getTime(), { delivered: Number(r.delivered ?? 0), failed: Number(r.failed ?? 0) }]));
  const hours: HourOutcomes[] = [];
  for (let h = since; h <= current; h += FIGURES_HOUR_MS) {
    hours.push({ hour: new Date(h).toISOString(), ...(byHour.get(h) ?? { delivered: 0, failed: 0 }) });
  }
  return {
    range,
    since: new Date(since).toISOString(),
    hours,
    delivered: hours.reduce((n, h) => n + h.delivered, 0),
    failed: hours.reduce((n, h) => n + h.failed, 0),
  };
}

export type QueueDepth = {
  /** Waiting for their first or next attempt (retries and digests still collecting included). */
  queued: number;
  /** Of the queued, those whose next attempt is due now: the dispatcher's backlog. */
  due: number;
  /** Being sent right now (leased by a worker). */
  sending: number;
  /** The earliest next attempt among the due ones: how far behind the dispatcher is. */
  oldestDueAt: string | null;
};

/**
 * The org's deliveries that are not finished. The condition repeats
 * PENDING_DELIVERY verbatim, so that SQLite reads the partial index of
 * pending deliveries (deliveries_due_idx): its size is the whole instance's
 * backlog, not the org's history, which may be millions of rows.
 */
export async function queueDepth(db: DbOrTx, orgId: string, now = Date.now()): Promise<QueueDepth> {
  const pending = and(sql.raw(PENDING_DELIVERY), eq(deliveries.orgId, orgId));
  const byStatus = await db.select({ status: deliveries.status, n: count() }).from(deliveries).where(pending).groupBy(deliveries.status);
  const [due] = await db
    .select({ n: count(), oldest: min(deliveries.nextAttemptAt) })
    .from(deliveries)
    .where(and(pending, eq(deliveries.status, "queued"), lte(deliveries.nextAttemptAt, new Date(now))));
  const of = (status: string) => Number(byStatus.find((r) => r.status === status)?.n ?? 0);
  return { queued: of("queued"), sending: of("sending"), due: Number(due?.n ?? 0), oldestDueAt: due?.oldest ? new Date(due.oldest).toISOString() : null };
}

/** A channel that is not healthy, with where the console shows it. */
export type UnwellChannel = {
  id: string;
  name: string;
  type: ChannelType;
  health: Exclude<ChannelHealth, "healthy">;
  /** The product that owns the channel (its page lists it), or null for an org channel. */
  product: { slug: string; name: string } | null;
  consecutiveFailures: number;
  failingSince: string | null;
  lastErrorSentence: string | null;
  lastErrorAt: string | null;
};

const UNWELL: Exclude<ChannelHealth, "healthy">[] = ["disabled", "failing", "throttled"];

/** The org's channels (its products' own ones too) that are failing, disabled or throttled: the worst first, then by name. */
export async function unwellChannels(db: DbOrTx, orgId: string): Promise<UnwellChannel[]> {
  const rows = await db
    .select({ c: channels, productSlug: products.slug, productName: products.name })
    .from(channels)
    .leftJoin(products, eq(products.id, channels.productId))
    .where(and(eq(channels.orgId, orgId), inArray(channels.health, UNWELL)))
    .orderBy(asc(channels.name), asc(channels.id));
  return rows
    .map(({ c, productSlug, productName }) => ({
      id: c.id,
      name: c.name,
      type: c.type,
      health: c.health as UnwellChannel["health"],
      product: productSlug && productName ? { slug: productSlug, name: productName } : null,
      consecutiveFailures: c.consecutiveFailures,
      failingSince: c.failingSince?.toISOString() ?? null,
      lastErrorSentence: errorSentence(c.lastError),
      lastErrorAt: c.lastErrorAt?.toISOString() ?? null,
    }))
    .sort((a, b) => UNWELL.indexOf(a.health) - UNWELL.indexOf(b.health));
}

/** Whether the org has any delivery at all (a new org has none): one row of deliveries_org_time_idx. */
export async function hasDeliveries(db: DbOrTx, orgId: string): Promise<boolean> {
  const rows = await db.select({ id: deliveries.id }).from(deliveries).where(eq(deliveries.orgId, orgId)).limit(1);
  return rows.length > 0;
}

const LATEST_EVENTS = 10;

export type OrgOverview = {
  /** When the figures were read (ms): "ago" on the page counts from it. */
  at: number;
  perHour: DeliveriesPerHour;
  queue: QueueDepth;
  unwell: UnwellChannel[];
  /** The newest events, as the events list shows them (its first rows). */
  latestEvents: EventSummary[];
  hasDeliveries: boolean;
};

export async function orgOverview(db: DbOrTx, orgId: string, options: { range?: OverviewRange; now?: number } = {}): Promise<OrgOverview> {
  const now = options.now ?? Date.now();
  const { events } = await listEvents(db, orgId, eventFiltersSchema.parse({ limit: LATEST_EVENTS }));
  return {
    at: now,
    perHour: await deliveriesPerHour(db, orgId, options.range ?? "24h", now),
    queue: await queueDepth(db, orgId, now),
    unwell: await unwellChannels(db, orgId),
    latestEvents: events.map(({ id, type, severity, title, product, occurredAt, receivedAt, isTest, deliveryCounts, silencedBy }) => ({
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
    })),
    hasDeliveries: await hasDeliveries(db, orgId),
  };
}
