import { topSeverity } from "@/lib/channels/format";
import type { RenderableEvent } from "@/lib/channels/types";
import type { FloodLimit } from "@/lib/validation/channel-fields";

/**
 * Flood control (issue #24): when one source — a product, or the org's own
 * events — sends a channel more than `limit` notifications within a window of
 * `minutes`, the rest of that window's notifications become ONE summary
 * message at the window's end ("37 more events from web-shop in the last 5
 * minutes", with a link), and so does every following window until a whole
 * window stays within the limit. The first time a source floods a channel,
 * Herald raises `channel.flooded` (routed by the org's rules to any channel
 * but the flooded one; new orgs send it to the console inbox). No peer does
 * this; a Slack channel in a 429 loop (home-assistant#30665) is what it
 * prevents.
 *
 * Counting happens at ingest, in the event's own transaction (flood_counts:
 * one row per channel, source and window), so several nodes count together.
 * Windows are fixed (aligned to multiples of `minutes`), like digest windows.
 */

/** The source an event counts under: its product, or "-" for the org's own events. */
export const floodSource = (productId: string | null) => productId ?? "-";

export function floodWindow(minutes: number, at: number) {
  const ms = minutes * 60_000;
  const start = Math.floor(at / ms) * ms;
  return { start, previousStart: start - ms, closesAt: start + ms };
}

/** The digest key of a window's summary: one pending summary per channel, source and window. */
export const floodDigestKey = (channelId: string, source: string, windowStart: number) => `flood:${channelId}:${source}:${windowStart}`;

/**
 * The verdict for the `nth` notification of a window (1-based) given the
 * previous window's count: summarize when this window or the previous one went
 * over the limit (a flood ends only after a whole window within it); `started`
 * exactly once per flood — at the first notification over the limit after a
 * window within it.
 */
export function floodVerdict(nth: number, previousCount: number, limit: number): { summarize: boolean; started: boolean } {
  const previousFlooded = previousCount > limit;
  return { summarize: nth > limit || previousFlooded, started: nth === limit + 1 && !previousFlooded };
}

export type FloodStart = FloodLimit & { channelId: string; source: string; productId: string | null; windowStart: number };

/** The `channel.flooded` event's title and data. */
export function floodStartedEvent(start: FloodStart, channelName: string, productName: string | null) {
  const from = productName ?? "the organization's own events";
  return {
    title: `Flood control: ${channelName} gets more than ${start.limit} notifications in ${start.minutes} min from ${from}; the rest come as one summary every ${start.minutes} min`,
    data: {
      channelId: start.channelId,
      channel: channelName,
      product: productName,
      limit: start.limit,
      minutes: start.minutes,
      windowStart: new Date(start.windowStart).toISOString(),
    },
  };
}

/**
 * A flood summary as every renderer sees it: one event standing for the
 * window's notifications, so each channel type sends it as one message within
 * its own limits. Its link opens the source's events in the console.
 */
export function floodSummary(deliveryId: string, events: RenderableEvent[], minutes: number, publicUrl: string): RenderableEvent {
  const first = events[0];
  const last = events[events.length - 1];
  const { org, product } = first;
  const types: Record<string, number> = {};
  for (const e of events) types[e.type] = (types[e.type] ?? 0) + 1;
  const n = events.length;
  const query = new URLSearchParams({ ...(product ? { product: product.slug } : {}), from: first.occurredAt.toISOString() });
  return {
    id: deliveryId,
    type: "flood.summary",
    severity: topSeverity(events),
    title: `${n} more ${n === 1 ? "event" : "events"} from ${product?.name ?? org.name} in the last ${minutes} minutes`,
    data: {
      count: n,
      product: product?.slug ?? null,
      from: first.occurredAt.toISOString(),
      to: last.occurredAt.toISOString(),
      types,
      latest: events.slice(-5).map((e) => e.title),
    },
    occurredAt: last.occurredAt,
    org,
    product,
    link: `${publicUrl}/o/${encodeURIComponent(org.slug)}/events?${query}`,
  };
}
