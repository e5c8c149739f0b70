import { DIRECT_TEST_ALERT_SOURCE, TEST_ALERT_SOURCE } from "@/lib/events/sources";
import { sqliteOf, type Db } from "@/db/client";
import type { ChannelType } from "@/db/schema";
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
export const TEST_ALERT_WAIT_MS = 20_000;

export type StartedTestAlert = {
  deliveries: { channelId: string; channelName: string; channelType: ChannelType; deliveryId: string }[];
  eventIds: string[];
  /** Settles when the dispatch of these deliveries has finished (or its deadline passed). */
  dispatched: Promise<void>;
};

/** Stores the test events and deliveries, then starts sending them (without waiting). */
export function startTestAlert(db: Db, scope: TestScope, actor: Actor, input: TestAlertInput): StartedTestAlert {
  const rows = resolveTestChannels(db, scope, input.channels);
  const events = buildTestEvents(db, scope, input, { publicUrl: env().publicUrl });
  const sqlite = sqliteOf(db);
  const insertEvent = sqlite.prepare(
    `INSERT INTO events (id, org_id, product_id, type, severity, title, data, source, idempotency_key, is_test, occurred_at, received_at)
     VALUES (@id, @orgId, @productId, @type, @severity, @title, @data, @source, NULL, 1, @occurredAt, @now)`,
  );
  const insertDelivery = sqlite.prepare(
    `INSERT INTO deliveries (id, org_id, channel_id, rule_id, product_id, status, digest_key, attempt_count, next_attempt_at, is_test, created_at, updated_at)
     VALUES (@id, @orgId, @channelId, NULL, @productId, 'queued', NULL, 0, @now, 1, @now, @now)`,
  );
  const link = sqlite.prepare("INSERT INTO delivery_events (delivery_id, event_id) VALUES (?, ?)");
  const now = Date.now();
  const source = input.writeToLog ? TEST_ALERT_SOURCE : DIRECT_TEST_ALERT_SOURCE;
  const eventIds = events.map(() => newId("evt"));
  const deliveries = rows.map((row) => ({ channelId: row.id, channelName: row.name, channelType: row.type, deliveryId: newId("dlv") }));

  db.transaction((tx) => {
    events.forEach((e, i) =>
      insertEvent.run({
        id: eventIds[i],
        orgId: scope.orgId,
        productId: e.productId,
        type: e.type,
        severity: e.severity,
        title: e.title,
        data: JSON.stringify(e.data),
        source,
        occurredAt: e.occurredAt.getTime(),
        now,
      }),
    );
    for (const d of deliveries) {
      insertDelivery.run({ id: d.deliveryId, orgId: scope.orgId, channelId: d.channelId, productId: scope.product?.id ?? null, now });
      for (const eventId of eventIds) link.run(d.deliveryId, eventId);
    }
    recordAudit(tx, {
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

  return { deliveries, eventIds, dispatched: dispatchTestDeliveries(db, deliveries.map((d) => d.deliveryId)) };
}

/**
 * Sends these deliveries now through the dispatcher's engine, restricted to
 * them. Another worker may claim one first (they are due like any other);
 * that is fine — callers read the outcome from the database, not from here.
 */
export async function dispatchTestDeliveries(db: Db, deliveryIds: string[]): Promise<void> {
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
  return testAlertResults(db, orgId, ids);
}

/** The API's one call: store, send, wait (up to ~20 s) and report per channel. */
export async function sendTestAlert(
  db: Db,
  scope: TestScope,
  actor: Actor,
  input: TestAlertInput,
  options: { waitMs?: number } = {},
): Promise<{ results: TestAlertResult[]; eventIds: string[] }> {
  const started = startTestAlert(db, scope, actor, input);
  const deadline = Date.now() + (options.waitMs ?? TEST_ALERT_WAIT_MS);
  const results = await settle(db, scope.orgId, started.deliveries.map((d) => d.deliveryId), started.dispatched, deadline);
  return { results, eventIds: started.eventIds };
}

/** Queues a failed test delivery again and starts sending it (without waiting). */
export function startTestRetry(db: Db, scope: TestScope, actor: Actor, deliveryId: string): Promise<void> {
  requeueTestDelivery(db, scope, actor, deliveryId);
  return dispatchTestDeliveries(db, [deliveryId]);
}

/** Retry and wait for the answer (up to ~20 s). */
export async function retryTestAlert(
  db: Db,
  scope: TestScope,
  actor: Actor,
  deliveryId: string,
  options: { waitMs?: number } = {},
): Promise<TestAlertResult> {
  const dispatched = startTestRetry(db, scope, actor, deliveryId);
  const [result] = await settle(db, scope.orgId, [deliveryId], dispatched, Date.now() + (options.waitMs ?? TEST_ALERT_WAIT_MS));
  return result;
}
