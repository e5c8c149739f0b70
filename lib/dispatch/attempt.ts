import type { Poster } from "@/lib/net/post";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deliveries, deliveryEvents } from "@/db/schema";
import { recipientGroupResolver } from "@/lib/channels/service";
import { channelModule } from "@/lib/channels/registry";
import type { RenderableEvent, SendContext, SendResult } from "@/lib/channels/types";
import { log } from "@/lib/log";
import type { ClaimedDelivery } from "./claim";
import type { LoadedChannel } from "./load";
import type { AttemptRecord } from "./outcomes";
import { holdMsOf, isThrottle, outcomeOf } from "./policy";

/**
 * One attempt of one delivery: send it through its channel's module (or, for
 * the inbox, mark its events for the members' inboxes), decide the outcome,
 * note what the receiver said about pacing (the record's `hold`, which the
 * dispatcher puts on the channel for every worker), log it, and return the
 * record that the batched writer stores.
 */

export type Job = { delivery: ClaimedDelivery; channel: LoadedChannel; events: RenderableEvent[] };

export type AttemptSettings = {
  db: Db;
  schedule: readonly number[];
  timeoutMs?: number;
  poster?: Poster;
};

/** Between messages of one delivery (a Slack digest posts one per event): waits for the channel's next send slot. */
export type Pace = () => Promise<void>;

async function send(job: Job, pace: Pace, settings: AttemptSettings): Promise<{ result: SendResult; inboxEventIds?: string[] }> {
  const { delivery, channel, events } = job;
  if ("error" in channel) return { result: { ok: false, durationMs: 0, retryable: true, error: channel.error } };
  if (events.length === 0) {
    return { result: { ok: false, durationMs: 0, retryable: false, error: "the delivery has no events left (they were deleted)" } };
  }
  const typeModule = channelModule(channel.channel.type);
  if (typeModule.transport === "database") {
    // An inbox item refers to a stored event: a flood summary (whose stand-in carries the delivery's
    // id) puts the events it stands for in the inbox, not itself.
    const inboxEventIds = delivery.floodMinutes === null ? events.map((e) => e.id) : await eventIdsOf(settings.db, delivery.id);
    return {
      result: { ok: true, durationMs: 0, retryable: false, response: `${inboxEventIds.length} event(s) added to the members' inbox` },
      inboxEventIds,
    };
  }
  const ctx: SendContext = {
    messageId: delivery.id,
    resolveGroup: recipientGroupResolver(settings.db, delivery.orgId),
    pace,
  };
  if (settings.poster) ctx.poster = settings.poster;
  if (settings.timeoutMs !== undefined) ctx.timeoutMs = settings.timeoutMs;
  // A retry of several messages: the ones an earlier attempt got accepted are not sent again (only retries
  // — after a failure or a throttle — of multi-event deliveries can have any, so the claim's hot path is untouched).
  if ((delivery.attemptCount > 0 || delivery.throttledSince != null) && events.length > 1) ctx.skipMessages = await messagesSentOf(settings.db, delivery.id);
  // Never throws, and its excerpt and error are already free of the channel's secrets (lib/channels/registry.ts).
  return { result: await typeModule.send(channel.channel, events, ctx) };
}

async function messagesSentOf(db: Db, deliveryId: string): Promise<number> {
  const [row] = await db.select({ n: deliveries.messagesSent }).from(deliveries).where(eq(deliveries.id, deliveryId));
  return row?.n ?? 0;
}

export async function attemptDelivery(job: Job, pace: Pace, settings: AttemptSettings): Promise<AttemptRecord> {
  const { delivery, channel } = job;
  const at = Date.now();
  const { result, inboxEventIds } = await send(job, pace, settings);
  const now = Date.now();
  // The receiver's word on pacing holds the whole channel: a throttle (429, 503 + Retry-After, a refused
  // spent budget), or a success saying its budget is spent (Discord's X-RateLimit-Remaining: 0).
  const throttle = isThrottle(result);
  const spent = result.rateLimit !== undefined && result.rateLimit.remaining <= 0;
  const hold = throttle || spent ? { untilMs: now + holdMsOf(result, settings.schedule), throttle } : undefined;
  const attemptNumber = delivery.attemptCount + 1;
  // A test alert gets one attempt: the person watching retries it from the dialog.
  const { outcome, nextAttemptAt } =
    delivery.isTest && !result.ok
      ? { outcome: "failed" as const, nextAttemptAt: undefined }
      : outcomeOf(attemptNumber, result, settings.schedule, now, delivery.throttledSince);
  const channelType = "channel" in channel ? channel.channel.type : undefined;
  // Every attempt is in the delivery log; stdout gets the failures, and the successes at debug
  // (a line per delivered message cost a quarter of the worker's CPU at 5,000/s).
  const level = outcome === "delivered" ? "debug" : "info";
  if (log.enabled(level)) {
    log[level]("delivery attempt", {
      deliveryId: delivery.id,
      orgId: delivery.orgId,
      channelId: delivery.channelId,
      channelType,
      attempt: outcome === "throttled" ? undefined : attemptNumber,
      outcome,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.error,
      nextAttemptAt: nextAttemptAt ? new Date(nextAttemptAt).toISOString() : undefined,
    });
  }
  return {
    kind: "attempt",
    deliveryId: delivery.id,
    channelId: delivery.channelId,
    channelType: channelType ?? "webhook",
    at,
    result,
    outcome,
    nextAttemptAt,
    inboxEventIds,
    isTest: delivery.isTest,
    hold,
  };
}

/** The stored events a delivery carries. */
async function eventIdsOf(db: Db, deliveryId: string): Promise<string[]> {
  return (await db.select({ id: deliveryEvents.eventId }).from(deliveryEvents).where(eq(deliveryEvents.deliveryId, deliveryId))).map((r) => r.id);
}
