import { DIRECT_TEST_ALERT_SOURCE, TEST_ALERT_SOURCE } from "@/lib/events/sources";
import type { Db } from "@/db/client";
import { deliveries as deliveriesTable, deliveryEvents, events as eventsTable, type ChannelType } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { dispatchOnce } from "@/lib/dispatch/run";
import { env } from "@/lib/env";
import { newId } from "@/lib/ids";
import type { TestAlertInput } from "@/lib/validation/test-alert";
import { buildTestEvents } from "./events";
import { requeueTestDelivery, testAlertResults, waitForResults, type TestAlertResult } from "./results";
import { resolveTestChannels, type TestScope } from "./scope";

/**
 * Sending a test alert through the real path (DESIGN §5): the test events and
 * one delivery per channel (flagged is_test) go into the outbox in one
 * transaction, exactly like ingest's, and the dispatcher's normal engine sends
 * those deliveries right away — same renderers, signing, auth, address guard,
 * attempts and delivery log. The dispatcher treats test deliveries specially
 * in two ways only: one attempt (no retry schedule; the person watching
 * retries from the dialog) and no effect on the channel's health.
 */

/** `events.source` of test events: the first are in the event log (writeToLog), the second only behind their deliveries. */
export { DIRECT_TEST_ALERT_SOURCE, TEST_ALERT_SOURCE };

/** How long a send waits for the answers before reporting what it has. */
const TEST_ALERT_WAIT_MS = 20_000;

export type StartedTestAlert = {
  deliveries: { channelId: string; channelName: string; channelType: ChannelType; deliveryId: string }[];
  eventIds: string[];
  /** Settles when the dispatch of these deliveries has finished (or its deadline passed). */
  dispatched: Promise<void>;
};

/** Stores the test events and deliveries, then starts sending them (without waiting). */
export async function startTestAlert(db: Db, scope: TestScope, actor: Actor, input: TestAlertInput): Promise<StartedTestAlert> {
  const rows = await resolveTestChannels(db, scope, input.channels);
  const events = await buildTestEvents(db, scope, input, { publicUrl: env().publicUrl });
  const now = new Date();
  const source = input.writeToLog ? TEST_ALERT_SOURCE : DIRECT_TEST_ALERT_SOURCE;
  const eventIds = events.map(() => newId("evt"));
  const deliveries = rows.map((row) => ({ channelId: row.id, channelName: row.name, channelType: row.type, deliveryId: newId("dlv") }));

  await db.transaction(async (tx) => {
    await tx.insert(eventsTable).values(
      events.map((e, i) => ({
        id: eventIds[i],
        orgId: scope.orgId,
        productId: e.productId,
        type: e.type,
        severity: e.severity,
        title: e.title,
        data: e.data,
        source,
        idempotencyKey: null,
        isTest: true,
        occurredAt: e.occurredAt,
        receivedAt: now,
      })),
    );
    if (deliveries.length > 0) {
      await tx.insert(deliveriesTable).values(
        deliveries.map((d) => ({
          id: d.deliveryId,
          orgId: scope.orgId,
          channelId: d.channelId,
          ruleId: null,
          productId: scope.product?.id ?? null,
          status: "queued" as const,
          digestKey: null,
          attemptCount: 0,
          nextAttemptAt: now,
          isTest: true,
          createdAt: now,
          updatedAt: now,
        })),
      );
      await tx.insert(deliveryEvents).values(deliveries.flatMap((d) => eventIds.map((eventId) => ({ deliveryId: d.deliveryId, eventId }))));
    }
    await recordAudit(tx, {
      orgId: scope.orgId,
      actor,
      action: "test_alert.sent",
      target: scope.product ? { type: "product", id: scope.product.id, label: scope.product.slug } : undefined,
      details: {
        channels: rows.map((r) => r.id),
        eventTypes: events.map((e) => e.type),
        writeToLog: input.writeToLog,
        deliveries: deliveries.map((d) => d.deliveryId),
      },
    });
  });

  return {
    deliveries,
    eventIds,
    dispatched: dispatchTestDeliveries(
      db,
      deliveries.map((d) => d.deliveryId),
    ),
  };
}

/**
 * Sends these deliveries now through the dispatcher's engine, restricted to
 * them. Another worker may claim one first (they are due like any other);
 * that is fine — callers read the outcome from the database, not from here.
 */
async function dispatchTestDeliveries(db: Db, deliveryIds: string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await dispatchOnce(db, { deadlineMs: TEST_ALERT_WAIT_MS, onlyDeliveries: deliveryIds });
}

/** Waits for `dispatched` (bounded by the deadline), then for every delivery's answer to be recorded. */
async function settle(db: Db, orgId: string, ids: string[], dispatched: Promise<void>, deadline: number): Promise<TestAlertResult[]> {
  let timer: NodeJS.Timeout | undefined;
  // Our own engine is usually the one that sends; a running worker may take some first.
  await Promise.race([dispatched, new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
  clearTimeout(timer);
  await waitForResults(db, orgId, ids, deadline);
  return await testAlertResults(db, orgId, ids);
}

/** The API's one call: store, send, wait (up to ~20 s) and report per channel. */
export async function sendTestAlert(
  db: Db,
  scope: TestScope,
  actor: Actor,
  input: TestAlertInput,
  options: { waitMs?: number } = {},
): Promise<{ results: TestAlertResult[]; eventIds: string[] }> {
  const started = await startTestAlert(db, scope, actor, input);
  const deadline = Date.now() + (options.waitMs ?? TEST_ALERT_WAIT_MS);
  const results = await settle(
    db,
    scope.orgId,
    started.deliveries.map((d) => d.deliveryId),
    started.dispatched,
    deadline,
  );
  return { results, eventIds: started.eventIds };
}

/** Queues a failed test delivery again and starts sending it (without waiting). */
export async function startTestRetry(db: Db, scope: TestScope, actor: Actor, deliveryId: string): Promise<{ dispatched: Promise<void> }> {
  await requeueTestDelivery(db, scope, actor, deliveryId);
  return { dispatched: dispatchTestDeliveries(db, [deliveryId]) };
}
