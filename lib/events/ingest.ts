import { and, eq, inArray, sql } from "drizzle-orm";
import { column, engineOf, prepared, rowsOf, sqliteOf, sqliteWriteTransaction, type DbOrTx, type Tx } from "@/db/client";
import { deliveries as deliveriesTable, deliveryEvents, products as productsTable, type Severity } from "@/db/schema";
import { AppError, type FieldErrors } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { wakeDispatchersOnCommit } from "@/db/wake";
import type { FloodLimit } from "@/lib/validation/channel-fields";
import type { EventInput } from "@/lib/validation/events";
import { findEventType } from "./catalog";
import { loadChannelPolicies, shapingOf } from "./channel-policies";
import { floodDigestKey, floodSource, floodStartedEvent, floodVerdict, floodWindow, type FloodStart } from "./flood";
import { digestSlot, routeEvent, type ActiveSilence, type MatchableRule, type Target } from "./matching";
import { raisePlatformEvent } from "./platform";

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
  /** Channels this event must not go to (a flood notice never goes to the flooded channel). */
  excludeChannelIds?: readonly string[];
};

/** The org's enabled rules with their enabled channels — what matching needs. */
async function loadMatchableRules(db: DbOrTx, orgId: string): Promise<MatchableRule[]> {
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

/** The org's silences in force at `nowMs` (lib/silences): usually none, found through (org, end). */
async function loadActiveSilences(db: DbOrTx, orgId: string, nowMs: number): Promise<ActiveSilence[]> {
  if (engineOf(db) === "postgres") {
    const now = new Date(nowMs);
    return rowsOf<ActiveSilence>(
      db,
      sql`SELECT id, matchers FROM silences WHERE org_id = ${orgId} AND ends_at > ${now} AND starts_at <= ${now} ORDER BY starts_at, id`,
    );
  }
  const rows = prepared(db, "SELECT id, matchers FROM silences WHERE org_id = ? AND ends_at > ? AND starts_at <= ? ORDER BY starts_at, id").all(
    orgId,
    nowMs,
    nowMs,
  ) as { id: string; matchers: string }[];
  return rows.map((r) => ({ id: r.id, matchers: JSON.parse(r.matchers) }));
}

/**
 * Checks what zod cannot: the type exists in the org's catalog, the product
 * exists, and the product fits the type's scope. Errors are keyed by item
 * index and field (`3.product`) so a producer can fix its batch.
 */
async function resolveEvents(db: DbOrTx, orgId: string, items: EventInput[], options: { indexed: boolean; now?: number }): Promise<ResolvedEvent[]> {
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
  const floods: FloodStart[] = [];
  const results =
    engineOf(db) === "postgres"
      ? await storeEventsPostgres(db, orgId, events, options.now ?? Date.now(), floods)
      : await storeEventsSqlite(db, orgId, events, options, floods);
  // After the events' own write (a SQLite transaction is synchronous): a crash in between loses the notice, never an event.
  if (floods.length) await announceFloods(db, orgId, floods);
  return results;
}

/** Where the event goes: its rules' channels, less the silenced ones and those it must not go to. */
function targetsOf(rules: readonly MatchableRule[], silences: readonly ActiveSilence[], event: ResolvedEvent) {
  const routed = routeEvent(rules, silences, event);
  const excluded = event.excludeChannelIds;
  return excluded?.length ? { ...routed, targets: routed.targets.filter((t) => !excluded.includes(t.channelId)) } : routed;
}

async function announceFloods(db: DbOrTx, orgId: string, floods: FloodStart[]) {
  for (const flood of floods) {
    const names =
      engineOf(db) === "postgres"
        ? (
            await rowsOf<{ channel: string; product: string | null }>(
              db,
              sql`SELECT c.name AS channel, (SELECT p.name FROM products p WHERE p.id = ${flood.productId}) AS product FROM channels c WHERE c.id = ${flood.channelId}`,
            )
          )[0]
        : (prepared(db, "SELECT c.name AS channel, (SELECT p.name FROM products p WHERE p.id = ?) AS product FROM channels c WHERE c.id = ?").get(
            flood.productId,
            flood.channelId,
          ) as { channel: string; product: string | null } | undefined);
    if (!names) continue; // the channel was deleted meanwhile
    await raisePlatformEvent(db, {
      orgId,
      type: "channel.flooded",
      ...floodStartedEvent(flood, names.channel, names.product),
      excludeChannelIds: [flood.channelId],
    });
  }
}

/** SQLite: prepared statements in one synchronous transaction (the hot path of the embedded engine). */
async function storeEventsSqlite(db: DbOrTx, orgId: string, events: ResolvedEvent[], options: { now?: number }, floods: FloodStart[]): Promise<IngestResult[]> {
  const sqlite = sqliteOf(db);
  const findByKey = prepared(
    sqlite,
    "SELECT id, (SELECT count(*) FROM delivery_events de WHERE de.event_id = e.id) AS n FROM events e WHERE org_id = ? AND idempotency_key = ?",
  );
  const insertEvent = prepared(
    sqlite,
    `INSERT INTO events (id, org_id, product_id, type, severity, title, data, source, idempotency_key, is_test, occurred_at, received_at, silenced_by)
     VALUES (@id, @orgId, @productId, @type, @severity, @title, @data, @source, @key, @isTest, @occurredAt, @now, @silencedBy)`,
  );
  const insertDelivery = prepared(
    sqlite,
    `INSERT INTO deliveries (id, org_id, channel_id, rule_id, product_id, status, digest_key, flood_minutes, attempt_count, next_attempt_at, is_test, created_at, updated_at)
     VALUES (@id, @orgId, @channelId, @ruleId, @productId, 'queued', @digestKey, @floodMinutes, 0, @due, @isTest, @now, @now)
     ON CONFLICT(digest_key) DO NOTHING`,
  );
  const findDigest = prepared(sqlite, "SELECT id FROM deliveries WHERE digest_key = ?");
  const linkEvent = prepared(sqlite, "INSERT OR IGNORE INTO delivery_events (delivery_id, event_id) VALUES (?, ?)");
  const countUp = prepared(
    sqlite,
    `INSERT INTO flood_counts (channel_id, source, window_start, count) VALUES (?, ?, ?, 1)
     ON CONFLICT (channel_id, source, window_start) DO UPDATE SET count = count + 1 RETURNING count`,
  );
  const countOf = prepared(sqlite, "SELECT count FROM flood_counts WHERE channel_id = ? AND source = ? AND window_start = ?");
  // Read before the transaction: the SQLite read is synchronous, and the rules cannot change in between on this connection.
  const rules = await loadMatchableRules(db, orgId);
  const silences = await loadActiveSilences(db, orgId, options.now ?? Date.now());
  const policies = await loadChannelPolicies(db, orgId);
  /** Counts the notification in its window; the summary's digest key and due time when it is to be summarized. */
  const floodCheck = (channelId: string, productId: string | null, flood: FloodLimit, now: number) => {
    const source = floodSource(productId);
    const window = floodWindow(flood.minutes, now);
    const nth = (countUp.get(channelId, source, window.start) as { count: number }).count;
    const previous = (countOf.get(channelId, source, window.previousStart) as { count: number } | undefined)?.count ?? 0;
    const verdict = floodVerdict(nth, previous, flood.limit);
    if (verdict.started) floods.push({ channelId, source, productId, ...flood, windowStart: window.start });
    return verdict.summarize ? { key: floodDigestKey(channelId, source, window.start), due: window.closesAt } : null;
  };

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
      const { targets, silencedBy } = targetsOf(rules, silences, event);
      insertEvent.run({
        id,
        orgId,
        productId: event.productId,
        type: event.type,
        severity: event.severity,
        title: event.title,
        data: JSON.stringify(event.data),
        source: event.source,
        key: event.key,
        isTest,
        occurredAt: event.occurredAt,
        now,
        silencedBy,
      });
      for (const target of targets) {
        let deliveryId = newId("dlv");
        if (target.mode === "digest") {
          const slot = digestSlot(target, event.productId, now);
          insertDelivery.run({
            id: deliveryId,
            orgId,
            channelId: target.channelId,
            ruleId: target.ruleId,
            productId: target.splitByProduct ? event.productId : null,
            digestKey: slot.key,
            floodMinutes: null,
            due: slot.closesAt,
            isTest,
            now,
          });
          deliveryId = (findDigest.get(slot.key) as { id: string }).id;
        } else {
          const shaping = shapingOf(policies, target, event, now);
          const flood = shaping && "flood" in shaping ? shaping.flood : null;
          const summary = flood ? floodCheck(target.channelId, event.productId, flood, now) : null;
          // Held for quiet hours, or in a flood's summary: a digest delivery shared with the others held so.
          const held = shaping && "hold" in shaping ? shaping.hold : summary;
          insertDelivery.run({
            id: deliveryId,
            orgId,
            channelId: target.channelId,
            ruleId: target.ruleId,
            productId: event.productId,
            digestKey: held?.key ?? null,
            floodMinutes: summary ? flood!.minutes : null,
            due: held?.due ?? now,
            isTest,
            now,
          });
          if (held) deliveryId = (findDigest.get(held.key) as { id: string }).id;
        }
        linkEvent.run(deliveryId, id);
      }
      return { id, deliveries: targets.length, duplicate: false };
    });
  });
}

/**
 * PostgreSQL: the events, their immediate deliveries and the links go in as
 * ONE statement (a CTE over unnest()ed arrays, one parameter per column): one
 * round trip, little to build, and atomic by itself — no BEGIN/COMMIT unless
 * digests need more statements. Events go in with ON CONFLICT DO NOTHING on
 * (org, idempotency key): an id that another transaction stored first — even
 * one committing at this moment — comes back as a duplicate, and only the
 * events inserted get deliveries and links (the joins on `ev`).
 */
function storeEventsStatement(
  orgId: string,
  now: Date,
  eventIds: string[],
  events: ResolvedEvent[],
  silencedBy: (string | null)[],
  planned: PlannedDelivery[],
) {
  return sql`
    WITH ev AS (
      INSERT INTO events (id, org_id, product_id, type, severity, title, data, source, idempotency_key, is_test, occurred_at, received_at, silenced_by)
      SELECT e.id, ${orgId}, e.product_id, e.type, e.severity, e.title, e.data::jsonb, e.source, e.key, e.is_test, e.occurred_at, ${now}, e.silenced_by
        FROM unnest(${column(eventIds)}::text[], ${column(events.map((e) => e.productId))}::text[], ${column(events.map((e) => e.type))}::text[],
                    ${column(events.map((e) => e.severity))}::text[], ${column(events.map((e) => e.title))}::text[],
                    ${column(events.map((e) => JSON.stringify(e.data)))}::text[], ${column(events.map((e) => e.source))}::text[],
                    ${column(events.map((e) => e.key))}::text[], ${column(events.map((e) => !!e.isTest))}::boolean[],
                    ${column(events.map((e) => new Date(e.occurredAt).toISOString()))}::timestamptz[], ${column(silencedBy)}::text[])
          AS e(id, product_id, type, severity, title, data, source, key, is_test, occurred_at, silenced_by)
      ON CONFLICT DO NOTHING
      RETURNING id
    ), planned AS (
      SELECT * FROM unnest(${column(planned.map((d) => d.id))}::text[], ${column(planned.map((d) => d.eventId))}::text[],
                           ${column(planned.map((d) => d.channelId))}::text[], ${column(planned.map((d) => d.ruleId))}::text[],
                           ${column(planned.map((d) => d.productId))}::text[], ${column(planned.map((d) => d.isTest))}::boolean[])
        AS d(id, event_id, channel_id, rule_id, product_id, is_test)
    ), dl AS (
      INSERT INTO deliveries (id, org_id, channel_id, rule_id, product_id, status, attempt_count, is_test, next_attempt_at, created_at, updated_at)
      SELECT d.id, ${orgId}, d.channel_id, d.rule_id, d.product_id, 'queued', 0, d.is_test, ${now}, ${now}, ${now}
        FROM planned d JOIN ev ON ev.id = d.event_id
    ), links AS (
      INSERT INTO delivery_events (delivery_id, event_id)
      SELECT d.id, d.event_id FROM planned d JOIN ev ON ev.id = d.event_id
    )
    SELECT id FROM ev`;
}

type PlannedDelivery = { id: string; eventId: string; channelId: string; ruleId: string; productId: string | null; isTest: boolean };

async function storeEventsPostgres(db: DbOrTx, orgId: string, events: ResolvedEvent[], nowMs: number, floods: FloodStart[]): Promise<IngestResult[]> {
  const now = new Date(nowMs);
  const rules = await loadMatchableRules(db, orgId);
  const silences = await loadActiveSilences(db, orgId, nowMs);
  const policies = await loadChannelPolicies(db, orgId);
  /** Immediate targets under a flood limit: decided in the write's transaction, once counted (floodPlan). */
  const floodCounted: { index: number; target: Target; flood: FloodLimit }[] = [];
  const eventIds = events.map(() => newId("evt"));
  const silencedBy: (string | null)[] = [];
  const planned: PlannedDelivery[] = [];
  const digests = new Map<string, typeof deliveriesTable.$inferInsert>();
  const digestLinks: { eventId: string; digestKey: string }[] = [];
  const targetCounts = events.map((event, index) => {
    const routed = targetsOf(rules, silences, event);
    const targets = routed.targets;
    silencedBy.push(routed.silencedBy);
    /** Into the pending digest `key` (a digest rule's window, or quiet hours), opening it if this is its first event. */
    const intoDigest = (target: Target, key: string, due: number, productId: string | null) => {
      if (!digests.has(key)) {
        digests.set(key, {
          id: newId("dlv"),
          orgId,
          channelId: target.channelId,
          ruleId: target.ruleId,
          productId,
          status: "queued",
          attemptCount: 0,
          isTest: !!event.isTest,
          digestKey: key,
          nextAttemptAt: new Date(due),
          createdAt: now,
          updatedAt: now,
        });
      }
      digestLinks.push({ eventId: eventIds[index], digestKey: key });
    };
    for (const target of targets) {
      if (target.mode === "digest") {
        const slot = digestSlot(target, event.productId, nowMs);
        intoDigest(target, slot.key, slot.closesAt, target.splitByProduct ? event.productId : null);
        continue;
      }
      const shaping = shapingOf(policies, target, event, nowMs);
      if (shaping && "hold" in shaping) intoDigest(target, shaping.hold.key, shaping.hold.due, event.productId);
      else if (shaping) floodCounted.push({ index, target, flood: shaping.flood });
      else
        planned.push({
          id: newId("dlv"),
          eventId: eventIds[index],
          channelId: target.channelId,
          ruleId: target.ruleId,
          productId: event.productId,
          isTest: !!event.isTest,
        });
    }
    return targets.length;
  });

  /**
   * Counts the flood-limited notifications (one upsert for the batch: several nodes count
   * together, the row lock orders them) and sends each on, or into its window's summary.
   * An event that turns out to be a duplicate was counted all the same: a producer's
   * retries bring a flood on sooner, never later.
   */
  const floodPlan = async (handle: DbOrTx) => {
    const bySource = new Map<string, { channelId: string; source: string; productId: string | null; flood: FloodLimit; items: typeof floodCounted }>();
    for (const item of floodCounted) {
      const productId = events[item.index].productId;
      const key = `${item.target.channelId}|${floodSource(productId)}`;
      const group = bySource.get(key) ?? { channelId: item.target.channelId, source: floodSource(productId), productId, flood: item.flood, items: [] };
      group.items.push(item);
      bySource.set(key, group);
    }
    const groups = [...bySource.values()];
    const windows = groups.map((g) => floodWindow(g.flood.minutes, nowMs));
    const counted = await rowsOf<{ channel_id: string; source: string; count: number }>(
      handle,
      sql`INSERT INTO flood_counts (channel_id, source, window_start, count)
          SELECT * FROM unnest(${column(groups.map((g) => g.channelId))}::text[], ${column(groups.map((g) => g.source))}::text[],
                               ${column(windows.map((w) => new Date(w.start).toISOString()))}::timestamptz[], ${column(groups.map((g) => g.items.length))}::int[])
          ON CONFLICT (channel_id, source, window_start) DO UPDATE SET count = flood_counts.count + excluded.count
          RETURNING channel_id, source, count`,
    );
    const previous = await rowsOf<{ channel_id: string; source: string; count: number }>(
      handle,
      sql`SELECT f.channel_id, f.source, f.count FROM flood_counts f
            JOIN unnest(${column(groups.map((g) => g.channelId))}::text[], ${column(groups.map((g) => g.source))}::text[],
                        ${column(windows.map((w) => new Date(w.previousStart).toISOString()))}::timestamptz[]) AS p(channel_id, source, window_start)
              ON f.channel_id = p.channel_id AND f.source = p.source AND f.window_start = p.window_start`,
    );
    const after = new Map(counted.map((r) => [`${r.channel_id}|${r.source}`, r.count]));
    const before = new Map(previous.map((r) => [`${r.channel_id}|${r.source}`, r.count]));
    groups.forEach((group, g) => {
      const key = `${group.channelId}|${group.source}`;
      const first = after.get(key)! - group.items.length + 1;
      group.items.forEach(({ index, target }, i) => {
        const verdict = floodVerdict(first + i, before.get(key) ?? 0, group.flood.limit);
        if (verdict.started)
          floods.push({ channelId: group.channelId, source: group.source, productId: group.productId, ...group.flood, windowStart: windows[g].start });
        if (!verdict.summarize) {
          planned.push({
            id: newId("dlv"),
            eventId: eventIds[index],
            channelId: target.channelId,
            ruleId: target.ruleId,
            productId: group.productId,
            isTest: false,
          });
          return;
        }
        const digestKey = floodDigestKey(group.channelId, group.source, windows[g].start);
        if (!digests.has(digestKey)) {
          digests.set(digestKey, {
            id: newId("dlv"),
            orgId,
            channelId: target.channelId,
            ruleId: target.ruleId,
            productId: group.productId,
            status: "queued",
            attemptCount: 0,
            isTest: false,
            digestKey,
            floodMinutes: group.flood.minutes,
            nextAttemptAt: new Date(windows[g].closesAt),
            createdAt: now,
            updatedAt: now,
          });
        }
        digestLinks.push({ eventId: eventIds[index], digestKey });
      });
    });
  };

  const write = async (handle: DbOrTx) => {
    if (floodCounted.length) await floodPlan(handle);
    const stored = await rowsOf<{ id: string }>(handle, storeEventsStatement(orgId, now, eventIds, events, silencedBy, planned));
    const inserted = new Set(stored.map((r) => r.id));
    if (digests.size && inserted.size)
      await joinDigests(
        handle as Tx,
        digests,
        digestLinks.filter((l) => inserted.has(l.eventId)),
      );
    return inserted;
  };
  // One statement is atomic by itself; digests and flood counts add statements, which need a transaction.
  const inserted = digests.size || floodCounted.length ? await db.transaction((tx) => write(tx)) : await write(db);

  const results: IngestResult[] = [];
  const duplicates: { index: number; key: string }[] = [];
  events.forEach((event, index) => {
    if (inserted.has(eventIds[index])) results.push({ id: eventIds[index], deliveries: targetCounts[index], duplicate: false });
    else {
      duplicates.push({ index, key: event.key! });
      results.push({ id: eventIds[index], deliveries: 0, duplicate: true });
    }
  });

  // Repeated ids answer with the stored event (stored earlier, by another node, or earlier in this batch).
  if (duplicates.length) {
    const stored = await rowsOf<{ id: string; key: string; n: number }>(
      db,
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

/** Digest deliveries: an open digest of the same window may exist already (ours or another node's): join it. */
async function joinDigests(tx: Tx, digests: Map<string, typeof deliveriesTable.$inferInsert>, links: { eventId: string; digestKey: string }[]) {
  if (!links.length) return;
  const keys = [...new Set(links.map((l) => l.digestKey))];
  await tx
    .insert(deliveriesTable)
    .values(keys.map((k) => digests.get(k)!))
    .onConflictDoNothing({ target: deliveriesTable.digestKey });
  const open = await tx
    .select({ id: deliveriesTable.id, digestKey: deliveriesTable.digestKey })
    .from(deliveriesTable)
    .where(inArray(deliveriesTable.digestKey, keys));
  const idOf = new Map(open.map((d) => [d.digestKey!, d.id]));
  await tx
    .insert(deliveryEvents)
    .values(links.map((l) => ({ eventId: l.eventId, deliveryId: idOf.get(l.digestKey)! })))
    .onConflictDoNothing();
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
