import { and, asc, desc, eq, inArray } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { attempts, channels, deliveries, deliveryEvents, events, type ChannelType, type DeliveryStatus } from "@/db/schema";
import type { Actor } from "@/lib/auth/permissions";
import { retryDelivery } from "@/lib/dispatch/manual";
import { conflict, notFound } from "@/lib/errors";
import { testableChannels, unusableReason, type TestScope } from "./scope";

/**
 * A test alert's outcome per channel, read from the delivery log (so it is
 * the same whichever worker sent the message), and the dialog's Retry.
 */

export type TestAlertResult = {
  channelId: string;
  channelName: string;
  channelType: ChannelType;
  deliveryId: string;
  /** The delivery's events, for the link to the delivery log. */
  eventIds: string[];
  /** `pending` until the attempt is recorded. */
  state: "pending" | "delivered" | "failed";
  ok: boolean;
  /** HTTP status, or the SMTP reply code. */
  status?: number;
  durationMs?: number;
  error?: string;
  /** The receiver's answer (bounded excerpt), e.g. the SMTP reply. */
  response?: string;
  at?: string;
};

function stateOf(status: DeliveryStatus, attemptCount: number): TestAlertResult["state"] {
  if (status === "delivered") return "delivered";
  if (status === "failed" || status === "dead") return "failed";
  // A queued delivery with attempts behind it is waiting for a retry: its first answer is in.
  return status === "queued" && attemptCount > 0 ? "failed" : "pending";
}

/** The current outcome of these test deliveries of the org (others are ignored), in the order given. */
export async function testAlertResults(db: DbOrTx, orgId: string, deliveryIds: readonly string[]): Promise<TestAlertResult[]> {
  if (deliveryIds.length === 0) return [];
  const rows = await db
    .select({ d: deliveries, channelName: channels.name, channelType: channels.type })
    .from(deliveries)
    .innerJoin(channels, eq(channels.id, deliveries.channelId))
    .where(and(eq(deliveries.orgId, orgId), eq(deliveries.isTest, true), inArray(deliveries.id, [...deliveryIds])));
  const eventIds = new Map<string, string[]>();
  for (const l of await db
    .select({ deliveryId: deliveryEvents.deliveryId, eventId: deliveryEvents.eventId })
    .from(deliveryEvents)
    .innerJoin(events, eq(events.id, deliveryEvents.eventId))
    .where(inArray(deliveryEvents.deliveryId, [...deliveryIds]))
    .orderBy(asc(events.occurredAt), asc(events.id))) {
    eventIds.set(l.deliveryId, [...(eventIds.get(l.deliveryId) ?? []), l.eventId]);
  }
  const byId = new Map(rows.map((r) => [r.d.id, r]));
  const out: TestAlertResult[] = [];
  for (const id of deliveryIds) {
    const row = byId.get(id);
    if (!row) continue;
    const { d } = row;
    const state = stateOf(d.status, d.attemptCount);
    const result: TestAlertResult = {
      channelId: d.channelId,
      channelName: row.channelName,
      channelType: row.channelType,
      deliveryId: d.id,
      eventIds: eventIds.get(d.id) ?? [],
      state,
      ok: state === "delivered",
    };
    if (state === "pending") {
      out.push(result);
      continue;
    }
    const [last] = await db.select().from(attempts).where(eq(attempts.deliveryId, d.id)).orderBy(desc(attempts.at), desc(attempts.id)).limit(1);
    if (last) {
      if (last.statusCode !== null) result.status = last.statusCode;
      result.durationMs = last.durationMs;
      result.at = last.at.toISOString();
      if (last.error) result.error = last.error;
      if (last.response) result.response = last.response;
    } else if (d.lastError) {
      result.error = d.lastError;
    }
    out.push(result);
  }
  return out;
}

/** Polls the delivery log until every delivery has an answer, or the deadline passes. */
export async function waitForResults(db: DbOrTx, orgId: string, deliveryIds: readonly string[], deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if ((await testAlertResults(db, orgId, deliveryIds)).every((r) => r.state !== "pending")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Retry from the dialog: the same delivery (same `webhook-id`) is queued for
 * a new attempt — through the delivery log's retry, so it is audited — and
 * only test deliveries of channels the scope may test qualify.
 */
export async function requeueTestDelivery(db: Db, scope: TestScope, actor: Actor, deliveryId: string): Promise<void> {
  const [row] = await db
    .select({ channelId: deliveries.channelId, isTest: deliveries.isTest })
    .from(deliveries)
    .where(and(eq(deliveries.orgId, scope.orgId), eq(deliveries.id, deliveryId)))
    .limit(1);
  const channel = row?.isTest ? (await testableChannels(db, scope)).find((c) => c.id === row.channelId) : undefined;
  if (!channel) throw notFound("Test delivery");
  const problem = unusableReason(channel);
  if (problem) throw conflict(`"${channel.name}" ${problem}`);
  await retryDelivery(db, scope.orgId, actor, deliveryId);
}
