import { and, count, eq, gte, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels, deliveries } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { conflict, notFound } from "@/lib/errors";
import type { ReplayInput } from "@/lib/validation/deliveries";
import { wakeDispatchers } from "./wake-bridge";

/**
 * What people do from the delivery log: retry one delivery, replay the
 * failed and dead deliveries of a channel, re-enable a disabled channel.
 * A retry or replay starts a new attempt series (the schedule starts over)
 * under the same delivery id, so receivers see the same `webhook-id`.
 */

const RETRYABLE_STATUSES = ["queued", "failed", "dead"] as const;

export function retryDelivery(db: Db, orgId: string, actor: Actor, id: string): void {
  db.transaction((tx) => {
    const row = tx.select().from(deliveries).where(and(eq(deliveries.orgId, orgId), eq(deliveries.id, id))).get();
    if (!row) throw notFound("Delivery");
    if (!(RETRYABLE_STATUSES as readonly string[]).includes(row.status)) {
      throw conflict(
        row.status === "sending" ? "This delivery is being sent right now" : "This delivery was already delivered",
        { status: [`is ${row.status}; only queued, failed or dead deliveries can be retried`] },
      );
    }
    if (row.digestKey !== null) {
      throw conflict("This digest is still collecting events; it is sent when its window closes", {
        status: ["is a digest whose window is still open"],
      });
    }
    const now = new Date();
    tx.update(deliveries).set({ status: "queued", attemptCount: 0, nextAttemptAt: now, updatedAt: now }).where(eq(deliveries.id, id)).run();
    recordAudit(tx, { orgId, actor, action: "delivery.retried", target: { type: "delivery", id }, details: { previousStatus: row.status } });
  });
  wakeDispatchers();
}

export function replayDeliveries(db: Db, orgId: string, actor: Actor, input: ReplayInput): { replayed: number } {
  const replayed = db.transaction((tx) => {
    const channel = tx.select().from(channels).where(and(eq(channels.orgId, orgId), eq(channels.id, input.channel))).get();
    if (!channel) throw notFound("Channel");
    const now = new Date();
    const rows = tx
      .update(deliveries)
      .set({ status: "queued", attemptCount: 0, nextAttemptAt: now, updatedAt: now })
      .where(
        and(
          eq(deliveries.orgId, orgId),
          eq(deliveries.channelId, channel.id),
          inArray(deliveries.status, ["failed", "dead"]),
          gte(deliveries.createdAt, new Date(input.since)),
        ),
      )
      .returning({ id: deliveries.id })
      .all();
    recordAudit(tx, {
      orgId,
      actor,
      action: "deliveries.replayed",
      target: { type: "channel", id: channel.id, label: channel.name },
      details: { since: input.since, count: rows.length },
    });
    return rows.length;
  });
  if (replayed > 0) wakeDispatchers();
  return { replayed };
}

/** One click: the channel is healthy again and its waiting deliveries go out. */
export function enableChannel(db: Db, orgId: string, actor: Actor, id: string) {
  const result = db.transaction((tx) => {
    const channel = tx.select().from(channels).where(and(eq(channels.orgId, orgId), eq(channels.id, id))).get();
    if (!channel) throw notFound("Channel");
    tx.update(channels).set({ health: "healthy", consecutiveFailures: 0, failingSince: null }).where(eq(channels.id, id)).run();
    recordAudit(tx, {
      orgId,
      actor,
      action: "channel.reenabled",
      target: { type: "channel", id, label: channel.name },
      details: { previousHealth: channel.health },
    });
    const waiting =
      tx.select({ n: count() }).from(deliveries).where(and(eq(deliveries.channelId, id), eq(deliveries.status, "queued"))).get()?.n ?? 0;
    return { id, health: "healthy" as const, enabled: channel.enabled, waitingDeliveries: waiting };
  });
  wakeDispatchers();
  return result;
}
