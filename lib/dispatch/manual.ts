import { and, count, eq, gte, inArray } from "drizzle-orm";
import { engineOf, type Db } from "@/db/client";
import { channels, deliveries, RETRYABLE_DELIVERY_STATUSES } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { conflict, notFound } from "@/lib/errors";
import type { ReplayInput } from "@/lib/validation/deliveries";
import { wakeDispatchersOnCommit } from "@/db/wake";

/**
 * What people do from the delivery log: retry one delivery, replay the
 * failed and dead deliveries of a channel, re-enable a disabled channel.
 * A replay leaves test alerts alone (they are not the channel's traffic).
 * A retry or replay starts a new attempt series (the schedule starts over)
 * under the same delivery id, so receivers see the same `webhook-id`.
 */

export async function retryDelivery(db: Db, orgId: string, actor: Actor, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    // On PostgreSQL the row is locked until the end: a worker's claim skips it, an outcome waits (SQLite's writers take turns anyway).
    const query = tx
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.orgId, orgId), eq(deliveries.id, id)));
    const [row] = engineOf(tx) === "postgres" ? await query.for("update") : await query.limit(1);
    if (!row) throw notFound("Delivery");
    if (!RETRYABLE_DELIVERY_STATUSES.includes(row.status)) {
      throw conflict(row.status === "sending" ? "This delivery is being sent right now" : "This delivery was already delivered", {
        status: [`is ${row.status}; only queued, failed or dead deliveries can be retried`],
      });
    }
    if (row.digestKey !== null) {
      throw conflict("This digest is still collecting events; it is sent when its window closes", {
        status: ["is a digest whose window is still open"],
      });
    }
    const now = new Date();
    await tx.update(deliveries).set({ status: "queued", attemptCount: 0, nextAttemptAt: now, updatedAt: now }).where(eq(deliveries.id, id));
    await recordAudit(tx, { orgId, actor, action: "delivery.retried", target: { type: "delivery", id }, details: { previousStatus: row.status } });
    await wakeDispatchersOnCommit(tx);
  });
}

export async function replayDeliveries(db: Db, orgId: string, actor: Actor, input: ReplayInput): Promise<{ replayed: number }> {
  const replayed = await db.transaction(async (tx) => {
    const [channel] = await tx
      .select()
      .from(channels)
      .where(and(eq(channels.orgId, orgId), eq(channels.id, input.channel)))
      .limit(1);
    if (!channel) throw notFound("Channel");
    const now = new Date();
    const rows = await tx
      .update(deliveries)
      .set({ status: "queued", attemptCount: 0, nextAttemptAt: now, updatedAt: now })
      .where(
        and(
          eq(deliveries.orgId, orgId),
          eq(deliveries.channelId, channel.id),
          inArray(deliveries.status, ["failed", "dead"]),
          // A test alert's failure told its sender what it had to; replaying the channel's real traffic must not re-send it.
          eq(deliveries.isTest, false),
          gte(deliveries.createdAt, new Date(input.since)),
        ),
      )
      .returning({ id: deliveries.id });
    await recordAudit(tx, {
      orgId,
      actor,
      action: "deliveries.replayed",
      target: { type: "channel", id: channel.id, label: channel.name },
      details: { since: input.since, count: rows.length },
    });
    if (rows.length > 0) await wakeDispatchersOnCommit(tx);
    return rows.length;
  });
  return { replayed };
}

/** One click: the channel is switched on and healthy again, and its waiting deliveries go out. */
export async function enableChannel(db: Db, orgId: string, actor: Actor, id: string) {
  return db.transaction(async (tx) => {
    const [channel] = await tx
      .select()
      .from(channels)
      .where(and(eq(channels.orgId, orgId), eq(channels.id, id)))
      .limit(1);
    if (!channel) throw notFound("Channel");
    // Also the switch: "re-enabled" means sending again, whichever way the channel had stopped (issue #20).
    await tx.update(channels).set({ enabled: true, health: "healthy", consecutiveFailures: 0, failingSince: null }).where(eq(channels.id, id));
    await recordAudit(tx, {
      orgId,
      actor,
      action: "channel.reenabled",
      target: { type: "channel", id, label: channel.name },
      details: { previousHealth: channel.health, previousEnabled: channel.enabled },
    });
    const [waiting] = await tx
      .select({ n: count() })
      .from(deliveries)
      .where(and(eq(deliveries.channelId, id), eq(deliveries.status, "queued")));
    await wakeDispatchersOnCommit(tx);
    return { id, health: "healthy" as const, enabled: true, waitingDeliveries: waiting?.n ?? 0 };
  });
}
