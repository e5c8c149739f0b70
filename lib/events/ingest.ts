import { prepared, sqliteOf, type DbOrTx } from "@/db/client";
import { withWriteLock } from "@/db/write-lock";
import type { Severity } from "@/db/schema";
import { AppError, type FieldErrors } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { wakeDispatchers } from "@/lib/dispatch/wake-bridge";
import type { EventInput } from "@/lib/validation/events";
import { findEventType } from "./catalog";
import { digestSlot, matchTargets, type MatchableRule } from "./matching";

export type IngestResult = { id: string; deliveries: number; duplicate: boolean };

/** An event ready to store: its type and product resolved. */
export type ResolvedEvent = {
  key: string | null;
  type: string;
  productId: string | null;
  severity: Severity;
  title: string;
  data: Record<string, unknown>;
  occurredAt: number;
  source: string | null;
  isTest?: boolean;
};

/** The org's enabled rules with their enabled channels — what matching needs. */
export function loadMatchableRules(db: DbOrTx, orgId: string): MatchableRule[] {
  const rows = prepared(
    db,
    `SELECT r.id, r.product_id, r.product_filter, r.event_types, r.severities, r.mode, r.digest_minutes, r.split_by_product,
              json_group_array(rc.channel_id) AS channel_ids
         FROM rules r
         JOIN rule_channels rc ON rc.rule_id = r.id
         JOIN channels c ON c.id = rc.channel_id AND c.enabled = 1
        WHERE r.org_id = ? AND r.enabled = 1
        GROUP BY r.id`,
  ).all(orgId) as {
    id: string;
    product_id: string | null;
    product_filter: string;
    event_types: string;
    severities: string;
    mode: "immediate" | "digest";
    digest_minutes: number | null;
    split_by_product: number;
    channel_ids: string;
  }[];
  return rows.map((r) => ({
    id: r.id,
    productId: r.product_id,
    productFilter: JSON.parse(r.product_filter),
    eventTypes: JSON.parse(r.event_types),
    severities: JSON.parse(r.severities),
    mode: r.mode,
    digestMinutes: r.digest_minutes,
    splitByProduct: r.split_by_product === 1,
    channelIds: JSON.parse(r.channel_ids),
  }));
}

/**
 * Checks what zod cannot: the type exists in the org's catalog, the product
 * exists, and the product fits the type's scope. Errors are keyed by item
 * index and field (`3.product`) so a producer can fix its batch.
 */
export function resolveEvents(db: DbOrTx, orgId: string, items: EventInput[], options: { indexed: boolean; now?: number }): ResolvedEvent[] {
  // Only the types and products the items name are looked up (once each per call), not the whole catalog.
  const types = new Map<string, ReturnType<typeof findEventType>>();
  const typeOf = (key: string) => (types.has(key) ? types.get(key) : types.set(key, findEventType(db, orgId, key)).get(key));
  const products = new Map<string, string | null>();
  const findProduct = prepared(db, "SELECT id FROM products WHERE org_id = ? AND slug = ?");
  const productIdOf = (slug: string) =>
    products.has(slug) ? products.get(slug)! : products.set(slug, (findProduct.get(orgId, slug) as { id: string } | undefined)?.id ?? null).get(slug)!;
  const fields: FieldErrors = {};
  const fail = (i: number, field: string, message: string) => (fields[options.indexed ? `${i}.${field}` : field] ??= []).push(message);
  const now = options.now ?? Date.now();
  const resolved = items.map((item, i): ResolvedEvent | null => {
    const type = typeOf(item.type);
    if (!type) {
      fail(i, "type", `unknown event type "${item.type}"; add it with POST /api/v1/orgs/{org}/event-types`);
      return null;
    }
    let productId: string | null = null;
    if (item.product !== undefined) {
      productId = productIdOf(item.product);
      if (!productId) fail(i, "product", `unknown product "${item.product}"`);
      else if (type.scope === "org") fail(i, "product", `"${type.key}" is an organization event: leave product out`);
    } else if (type.scope === "product") {
      fail(i, "product", `is required: "${type.key}" is a product event`);
    }
    return {
      key: item.id ?? null,
      type: type.key,
      productId,
      severity: item.severity ?? type.defaultSeverity,
      title: item.title,
      data: item.data ?? {},
      occurredAt: item.occurredAt ? Date.parse(item.occurredAt) : now,
      source: item.source ?? null,
    };
  });
  if (Object.keys(fields).length) throw new AppError("validation_failed", "Some events are invalid; nothing was stored", fields);
  return resolved as ResolvedEvent[];
}

/**
 * Stores events and every delivery they cause in one transaction (the
 * outbox): an accepted event is never without its deliveries. A producer `id`
 * seen before returns the stored event and creates nothing. Nests as a
 * savepoint when the caller already holds a transaction on this connection.
 */
export function storeEvents(db: DbOrTx, orgId: string, events: ResolvedEvent[], options: { now?: number } = {}): IngestResult[] {
  const sqlite = sqliteOf(db);
  const findByKey = prepared(sqlite, "SELECT id, (SELECT count(*) FROM delivery_events de WHERE de.event_id = e.id) AS n FROM events e WHERE org_id = ? AND idempotency_key = ?");
  const insertEvent = prepared(sqlite, 
    `INSERT INTO events (id, org_id, product_id, type, severity, title, data, source, idempotency_key, is_test, occurred_at, received_at)
     VALUES (@id, @orgId, @productId, @type, @severity, @title, @data, @source, @key, @isTest, @occurredAt, @now)`,
  );
  const insertDelivery = prepared(sqlite, 
    `INSERT INTO deliveries (id, org_id, channel_id, rule_id, product_id, status, digest_key, attempt_count, next_attempt_at, is_test, created_at, updated_at)
     VALUES (@id, @orgId, @channelId, @ruleId, @productId, 'queued', @digestKey, 0, @due, @isTest, @now, @now)
     ON CONFLICT(digest_key) DO NOTHING`,
  );
  const findDigest = prepared(sqlite, "SELECT id FROM deliveries WHERE digest_key = ?");
  const linkEvent = prepared(sqlite, "INSERT OR IGNORE INTO delivery_events (delivery_id, event_id) VALUES (?, ?)");

  const run = sqlite.transaction((): IngestResult[] => {
    const now = options.now ?? Date.now();
    const rules = loadMatchableRules(db, orgId);
    return events.map((event) => {
      if (event.key !== null) {
        const stored = findByKey.get(orgId, event.key) as { id: string; n: number } | undefined;
        if (stored) return { id: stored.id, deliveries: stored.n, duplicate: true };
      }
      const id = newId("evt");
      const isTest = event.isTest ? 1 : 0;
      insertEvent.run({ id, orgId, productId: event.productId, type: event.type, severity: event.severity, title: event.title, data: JSON.stringify(event.data), source: event.source, key: event.key, isTest, occurredAt: event.occurredAt, now });
      const targets = matchTargets(rules, event);
      for (const target of targets) {
        let deliveryId = newId("dlv");
        if (target.mode === "digest") {
          const slot = digestSlot(target, event.productId, now);
          insertDelivery.run({ id: deliveryId, orgId, channelId: target.channelId, ruleId: target.ruleId, productId: target.splitByProduct ? event.productId : null, digestKey: slot.key, due: slot.closesAt, isTest, now });
          deliveryId = (findDigest.get(slot.key) as { id: string }).id;
        } else {
          insertDelivery.run({ id: deliveryId, orgId, channelId: target.channelId, ruleId: target.ruleId, productId: event.productId, digestKey: null, due: now, isTest, now });
        }
        linkEvent.run(deliveryId, id);
      }
      return { id, deliveries: targets.length, duplicate: false };
    });
  });
  // IMMEDIATE: take the write lock before reading idempotency keys, so two processes cannot both insert one key.
  return sqlite.inTransaction ? run() : withWriteLock(() => run.immediate());
}

/** Validates semantically, stores, and wakes this process's dispatcher. */
export function ingestEvents(db: DbOrTx, orgId: string, items: EventInput[], options: { indexed: boolean; now?: number }): IngestResult[] {
  const results = storeEvents(db, orgId, resolveEvents(db, orgId, items, options), options);
  if (results.some((r) => r.deliveries > 0 && !r.duplicate)) wakeDispatchers();
  return results;
}

/**
 * The answer of `POST /api/v1/events` (DESIGN §7) for a validated body: 202
 * with the stored ids; a single event whose id was seen before gets 200 and
 * the stored event. Shared by the route handler and the ingest fast path.
 */
export function answerIngest(db: DbOrTx, orgId: string, body: EventInput | EventInput[]) {
  const batch = Array.isArray(body);
  const results = ingestEvents(db, orgId, batch ? body : [body], { indexed: batch });
  const events = results.map(({ id, deliveries, duplicate }) => (duplicate ? { id, deliveries, duplicate } : { id, deliveries }));
  return { status: !batch && results[0].duplicate ? 200 : 202, body: { events } };
}
