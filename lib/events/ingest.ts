import { and, eq, inArray, sql } from "drizzle-orm";
import { engineOf, prepared, rowsOf, sqliteOf, sqliteWriteTransaction, type DbOrTx, type Tx } from "@/db/client";
import { deliveries as deliveriesTable, deliveryEvents, events as eventsTable, products as productsTable, type Severity } from "@/db/schema";
import { AppError, type FieldErrors } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { wakeDispatchersOnCommit } from "@/lib/dispatch/wake-bridge";
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
export async function loadMatchableRules(db: DbOrTx, orgId: string): Promise<MatchableRule[]> {
  if (engineOf(db) === "postgres") {
    const rows = await rowsOf<{
      id: string;
      product_id: string | null;
      product_filter: string[];
      event_types: string[] | "all";
      severities: Severity[];
      mode: "immediate" | "digest";
      digest_minutes: number | null;
      split_by_product: boolean;
      channel_ids: string[];
    }>(
      db,
      sql`SELECT r.id, r.product_id, r.product_filter, r.event_types, r.severities, r.mode, r.digest_minutes, r.split_by_product,
                 json_agg(rc.channel_id) AS channel_ids
            FROM rules r
            JOIN rule_channels rc ON rc.rule_id = r.id
            JOIN channels c ON c.id = rc.channel_id AND c.enabled
           WHERE r.org_id = ${orgId} AND r.enabled
           GROUP BY r.id`,
    );
    return rows.map((r) => ({
      id: r.id,
      productId: r.product_id,
      productFilter: r.product_filter,
      eventTypes: r.event_types,
      severities: r.severities,
      mode: r.mode,
      digestMinutes: r.digest_minutes,
      splitByProduct: r.split_by_product,
      channelIds: r.channel_ids,
    }));
  }
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
export async function resolveEvents(db: DbOrTx, orgId: string, items: EventInput[], options: { indexed: boolean; now?: number }): Promise<ResolvedEvent[]> {
  // Only the types and products the items name are looked up (once each per call), not the whole catalog.
  const types = new Map<string, Awaited<ReturnType<typeof findEventType>>>();
  for (const key of new Set(items.map((i) => i.type))) types.set(key, await findEventType(db, orgId, key));
  const typeOf = (key: string) => types.get(key);
  const products = new Map<string, string | null>();
  for (const slug of new Set(items.flatMap((i) => (i.product === undefined ? [] : [i.product])))) {
    const [product] = await db
      .select({ id: productsTable.id })
      .from(productsTable)
      .where(and(eq(productsTable.orgId, orgId), eq(productsTable.slug, slug)))
      .limit(1);
    products.set(slug, product?.id ?? null);
  }
  const productIdOf = (slug: string) => products.get(slug) ?? null;
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
 * seen before returns the stored event and creates nothing — also when two
 * nodes store it at once (the unique index on (org, idempotency key) decides).
 * Nests as a savepoint when the caller already holds a transaction.
 */
export async function storeEvents(db: DbOrTx, orgId: string, events: ResolvedEvent[], options: { now?: number } = {}): Promise<IngestResult[]> {
  if (engineOf(db) === "postgres") return db.transaction((tx) => storeEventsPostgres(tx, orgId, events, options.now ?? Date.now()));
  return storeEventsSqlite(db, orgId, events, options);
}

/** SQLite: prepared statements in one synchronous transaction (the hot path of the embedded engine). */
async function storeEventsSqlite(db: DbOrTx, orgId: string, events: ResolvedEvent[], options: { now?: number }): Promise<IngestResult[]> {
  const sqlite = sqliteOf(db);
  const findByKey = prepared(sqlite, "SELECT id, (SELECT count(*) FROM delivery_events de WHERE de.event_id = e.id) AS n FROM events e WHERE org_id = ? AND idempotency_key = ?");
  const insertEvent = prepared(
    sqlite,
    `INSERT INTO events (id, org_id, product_id, type, severity, title, data, source, idempotency_key, is_test, occurred_at, received_at)
     VALUES (@id, @orgId, @productId, @type, @severity, @title, @data, @source, @key, @isTest, @occurredAt, @now)`,
  );
  const insertDelivery = prepared(
    sqlite,
    `INSERT INTO deliveries (id, org_id, channel_id, rule_id, product_id, status, digest_key, attempt_count, next_attempt_at, is_test, created_at, updated_at)
     VALUES (@id, @orgId, @channelId, @ruleId, @productId, 'queued', @digestKey, 0, @due, @isTest, @now, @now)
     ON CONFLICT(digest_key) DO NOTHING`,
  );
  const findDigest = prepared(sqlite, "SELECT id FROM deliveries WHERE digest_key = ?");
  const linkEvent = prepared(sqlite, "INSERT OR IGNORE INTO delivery_events (delivery_id, event_id) VALUES (?, ?)");
  // Read before the transaction: the SQLite read is synchronous, and the rules cannot change in between on this connection.
  const rules = await loadMatchableRules(db, orgId);

  // IMMEDIATE (sqliteWriteTransaction): take the write lock before reading idempotency keys, so two processes cannot both insert one key.
  return sqliteWriteTransaction(db, (): IngestResult[] => {
    const now = options.now ?? Date.now();
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
}

// Rows per multi-row INSERT: under PostgreSQL's 65,535 parameters at 12 columns.
const PG_ROWS_PER_INSERT = 1000;

/**
 * PostgreSQL: a few multi-row statements per batch instead of several per
 * event (each statement is a round trip). Events go in with ON CONFLICT DO
 * NOTHING on (org, idempotency key): an id that another transaction stored
 * first — even one committing at this moment — comes back as a duplicate.
 */
async function storeEventsPostgres(tx: Tx, orgId: string, events: ResolvedEvent[], nowMs: number): Promise<IngestResult[]> {
  const now = new Date(nowMs);
  const rules = await loadMatchableRules(tx, orgId);
  const rows = events.map((event) => ({
    id: newId("evt"),
    orgId,
    productId: event.productId,
    type: event.type,
    severity: event.severity,
    title: event.title,
    data: event.data,
    source: event.source,
    idempotencyKey: event.key,
    isTest: !!event.isTest,
    occurredAt: new Date(event.occurredAt),
    receivedAt: now,
  }));
  const inserted = new Set<string>();
  for (let i = 0; i < rows.length; i += PG_ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + PG_ROWS_PER_INSERT);
    const done = await tx.insert(eventsTable).values(chunk).onConflictDoNothing().returning({ id: eventsTable.id });
    for (const { id } of done) inserted.add(id);
  }

  const immediate: (typeof deliveriesTable.$inferInsert)[] = [];
  const digests = new Map<string, typeof deliveriesTable.$inferInsert>();
  const links: { eventId: string; deliveryId?: string; digestKey?: string }[] = [];
  const results: IngestResult[] = [];
  const duplicates: { index: number; key: string }[] = [];
  events.forEach((event, index) => {
    const id = rows[index].id;
    if (!inserted.has(id)) {
      duplicates.push({ index, key: event.key! });
      results.push({ id, deliveries: 0, duplicate: true });
      return;
    }
    const targets = matchTargets(rules, event);
    for (const target of targets) {
      const base = { orgId, channelId: target.channelId, ruleId: target.ruleId, status: "queued" as const, attemptCount: 0, isTest: !!event.isTest, createdAt: now, updatedAt: now };
      if (target.mode === "digest") {
        const slot = digestSlot(target, event.productId, nowMs);
        if (!digests.has(slot.key)) digests.set(slot.key, { ...base, id: newId("dlv"), productId: target.splitByProduct ? event.productId : null, digestKey: slot.key, nextAttemptAt: new Date(slot.closesAt) });
        links.push({ eventId: id, digestKey: slot.key });
      } else {
        const deliveryId = newId("dlv");
        immediate.push({ ...base, id: deliveryId, productId: event.productId, digestKey: null, nextAttemptAt: now });
        links.push({ eventId: id, deliveryId });
      }
    }
    results.push({ id, deliveries: targets.length, duplicate: false });
  });

  for (let i = 0; i < immediate.length; i += PG_ROWS_PER_INSERT) await tx.insert(deliveriesTable).values(immediate.slice(i, i + PG_ROWS_PER_INSERT));
  const digestIds = new Map<string, string>();
  if (digests.size) {
    // An open digest of the same window may exist already (ours or another node's): join it.
    await tx.insert(deliveriesTable).values([...digests.values()]).onConflictDoNothing({ target: deliveriesTable.digestKey });
    const open = await tx
      .select({ id: deliveriesTable.id, digestKey: deliveriesTable.digestKey })
      .from(deliveriesTable)
      .where(inArray(deliveriesTable.digestKey, [...digests.keys()]));
    for (const d of open) digestIds.set(d.digestKey!, d.id);
  }
  const linkRows = links.map((l) => ({ eventId: l.eventId, deliveryId: l.deliveryId ?? digestIds.get(l.digestKey!)! }));
  for (let i = 0; i < linkRows.length; i += PG_ROWS_PER_INSERT) await tx.insert(deliveryEvents).values(linkRows.slice(i, i + PG_ROWS_PER_INSERT)).onConflictDoNothing();

  // Repeated ids answer with the stored event (stored earlier, by another node, or earlier in this batch).
  if (duplicates.length) {
    const stored = await rowsOf<{ id: string; key: string; n: number }>(
      tx,
      sql`SELECT e.id, e.idempotency_key AS key, (SELECT count(*) FROM delivery_events de WHERE de.event_id = e.id)::int AS n
            FROM events e WHERE e.org_id = ${orgId} AND e.idempotency_key IN (${sql.join(
              [...new Set(duplicates.map((d) => d.key))].map((k) => sql`${k}`),
              sql`, `,
            )})`,
    );
    const byKey = new Map(stored.map((r) => [r.key, r]));
    for (const { index, key } of duplicates) {
      const found = byKey.get(key);
      if (found) results[index] = { id: found.id, deliveries: found.n, duplicate: true };
    }
  }
  return results;
}

/** Validates semantically, stores, and wakes this process's dispatcher. */
export async function ingestEvents(db: DbOrTx, orgId: string, items: EventInput[], options: { indexed: boolean; now?: number }): Promise<IngestResult[]> {
  const results = await storeEvents(db, orgId, await resolveEvents(db, orgId, items, options), options);
  if (results.some((r) => r.deliveries > 0 && !r.duplicate)) await wakeDispatchersOnCommit(db);
  return results;
}

/**
 * The answer of `POST /api/v1/events` (DESIGN §7.1) for a validated body: 202
 * with the stored ids — also for an id seen before (`duplicate: true`, the
 * stored event's id), as DESIGN and the OpenAPI document say: a retrying
 * producer gets the same status as the first time. Shared by the route
 * handler and the ingest fast path.
 */
export async function answerIngest(db: DbOrTx, orgId: string, body: EventInput | EventInput[]) {
  const batch = Array.isArray(body);
  const results = await ingestEvents(db, orgId, batch ? body : [body], { indexed: batch });
  const events = results.map(({ id, deliveries, duplicate }) => (duplicate ? { id, deliveries, duplicate } : { id, deliveries }));
  return { status: 202, body: { events } };
}
