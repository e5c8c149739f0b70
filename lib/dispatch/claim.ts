import { and, eq, lt, sql } from "drizzle-orm";
import { changedRows, column, engineOf, prepared, rowsOf, sqliteOf, sqliteWriteTransaction, type Db, type DbOrTx } from "@/db/client";
import { deliveries, PENDING_DELIVERY } from "@/db/schema";
import { writeOutcomes, type HealthChange, type OutcomeRecord } from "./outcomes";

/**
 * Claiming (DESIGN §5): one short write transaction — a single UPDATE …
 * RETURNING — marks due deliveries `sending` with a lease in this worker's
 * name. Two workers can never hold the same delivery, and a worker that dies
 * leaves leases that expire and are claimed again (at-least-once).
 */

export type ClaimedDelivery = {
  id: string;
  orgId: string;
  channelId: string;
  ruleId: string | null;
  productId: string | null;
  /** Attempts made before this one in the current series. */
  attemptCount: number;
  leasedUntil: number;
  isTest: boolean;
  /** When this delivery was first throttled (back-pressure spends no attempt, for at most the schedule's total; policy.ts outcomeOf). */
  throttledSince: number | null;
  /** A flood summary's window in minutes (lib/events/flood.ts), null for any other delivery. */
  floodMinutes: number | null;
};

export type ClaimOptions = {
  owner: string;
  limit: number;
  leaseMs: number;
  now?: number;
  /** Channels this worker will not take more of right now (its own backlog for them is full). */
  skipChannels?: readonly string[];
  /** Claim only these deliveries (a test alert sends its own deliveries now; lib/test-alert). */
  onlyIds?: readonly string[];
  /** Also take over deliveries whose lease expired (a worker that died); true unless told. */
  expiredLeases?: boolean;
};

type Row = {
  id: string;
  org_id: string;
  channel_id: string;
  rule_id: string | null;
  product_id: string | null;
  attempt_count: number;
  leased_until: number;
  is_test: number;
  next_attempt_at: number;
  created_at: number;
  digest_key: string | null;
  throttled_since: number | null;
  flood_minutes: number | null;
};

// A digest still collecting events has next_attempt_at = the end of its window,
// so "due" already means "window closed"; its digest_key is cleared in the same
// transaction so events arriving later open a new digest instead of joining a message in flight.
// Deliveries of a disabled channel (health or the enabled switch) are left queued: they wait.
// So are those of a channel its receiver holds (send_not_before, lib/dispatch/backpressure.ts): no worker sends during a hold.
// Two sub-selects instead of one OR: each walks the (status, next_attempt_at)
// index and stops at the limit, where an OR would sort every due row per claim.
const claimSql = (skipCount: number, onlyIds: boolean, expiredLeases: boolean) => {
  const skip = skipCount ? `AND d.channel_id NOT IN (${Array.from({ length: skipCount }, (_, i) => `@skip${i}`).join(", ")})` : "";
  // Named deliveries (a test alert's) are looked up by id — CROSS JOIN fixes that
  // order — instead of walking every due row of a possibly long queue.
  const from = onlyIds
    ? "json_each(@only) j CROSS JOIN deliveries d ON d.id = j.value JOIN channels c ON c.id = d.channel_id"
    : "deliveries d JOIN channels c ON c.id = d.channel_id";
  const due = `
       SELECT d.id FROM ${from}
        WHERE d.${PENDING_DELIVERY} AND d.status = 'queued' AND d.next_attempt_at <= @now AND c.enabled = 1 AND c.health <> 'disabled' AND coalesce(c.send_not_before, 0) <= @now ${skip}
        ORDER BY d.next_attempt_at
        LIMIT @limit`;
  // Expired leases are found by reading every delivery being sent (the index orders them
  // by next_attempt_at, not by lease): a worker looks for them now and then, not at every claim.
  const expired = `
       SELECT d.id FROM ${from}
        WHERE d.${PENDING_DELIVERY} AND d.status = 'sending' AND d.leased_until < @now AND c.enabled = 1 AND c.health <> 'disabled' AND coalesce(c.send_not_before, 0) <= @now ${skip}
        LIMIT @limit`;
  return `
  UPDATE deliveries
     SET status = 'sending', leased_until = @leasedUntil, lease_owner = @owner, updated_at = @now
   WHERE id IN (${expiredLeases ? `SELECT id FROM (${expired}) UNION ALL SELECT id FROM (${due}) LIMIT @limit` : due})
  RETURNING id, org_id, channel_id, rule_id, product_id, attempt_count, leased_until, is_test, next_attempt_at, created_at, digest_key, throttled_since, flood_minutes`;
};

/** Marks due deliveries `sending` under this worker's lease and returns them, oldest due first. */
export async function claimDueDeliveries(db: DbOrTx, options: ClaimOptions): Promise<ClaimedDelivery[]> {
  if (options.limit <= 0) return [];
  if (engineOf(db) === "postgres") return claimPostgres(db, options);
  return sqliteWriteTransaction(db, () => claimSqlite(db, options));
}

function claimSqlite(db: DbOrTx, options: ClaimOptions): ClaimedDelivery[] {
  const now = options.now ?? Date.now();
  const skip = options.skipChannels ?? [];
  const params: Record<string, unknown> = {
    now,
    owner: options.owner,
    leasedUntil: now + options.leaseMs,
    limit: options.limit,
  };
  skip.forEach((id, i) => (params[`skip${i}`] = id));
  if (options.onlyIds) params.only = JSON.stringify(options.onlyIds);
  const sqlite = sqliteOf(db);
  const claim = prepared(sqlite, claimSql(skip.length, options.onlyIds !== undefined, options.expiredLeases ?? true));
  // Clearing digest_key only where there is one: naming it in the claim's SET would
  // rewrite its unique-index entry for every delivery (a third of a claim's cost).
  const closeDigests = prepared(sqlite, "UPDATE deliveries SET digest_key = NULL WHERE id IN (SELECT value FROM json_each(?))");
  const rows = claim.all(params) as Row[];
  const digests = rows.filter((r) => r.digest_key !== null).map((r) => r.id);
  if (digests.length) closeDigests.run(JSON.stringify(digests));
  // RETURNING follows no promised order: oldest due first, so a channel's messages leave in order.
  rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.created_at - b.created_at);
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    channelId: r.channel_id,
    ruleId: r.rule_id,
    productId: r.product_id,
    attemptCount: r.attempt_count,
    leasedUntil: r.leased_until,
    isTest: r.is_test === 1,
    throttledSince: r.throttled_since,
    floodMinutes: r.flood_minutes,
  }));
}

/**
 * PostgreSQL: the usual job-queue claim — the due rows are read from the
 * partial index in due order, locked FOR UPDATE SKIP LOCKED (a row another
 * worker is claiming at this instant is skipped, not waited for), and leased
 * by the same statement. Many workers on many machines claim at once without
 * ever taking the same delivery.
 */
async function claimPostgres(db: DbOrTx, options: ClaimOptions): Promise<ClaimedDelivery[]> {
  const now = new Date(options.now ?? Date.now());
  const until = new Date(now.getTime() + options.leaseMs);
  const skip = options.skipChannels?.length ? sql`AND d.channel_id <> ALL(${column(options.skipChannels)}::text[])` : sql``;
  const only = options.onlyIds ? sql`AND d.id = ANY(${column(options.onlyIds)}::text[])` : sql``;
  const eligible = sql`c.enabled AND c.health <> 'disabled' AND coalesce(c.send_not_before, ${now}) <= ${now} ${skip} ${only}`;
  const due = sql`SELECT d.id FROM deliveries d JOIN channels c ON c.id = d.channel_id
        WHERE d.${sql.raw(PENDING_DELIVERY)} AND d.status = 'queued' AND d.next_attempt_at <= ${now} AND ${eligible}
        ORDER BY d.next_attempt_at LIMIT ${options.limit} FOR UPDATE OF d SKIP LOCKED`;
  const expired = sql`SELECT d.id FROM deliveries d JOIN channels c ON c.id = d.channel_id
        WHERE d.${sql.raw(PENDING_DELIVERY)} AND d.status = 'sending' AND d.leased_until < ${now} AND ${eligible}
        LIMIT ${options.limit} FOR UPDATE OF d SKIP LOCKED`;
  // Each locking SELECT in a FROM of its own: PostgreSQL refuses FOR UPDATE directly in a UNION's branches.
  const ids =
    (options.expiredLeases ?? true)
      ? sql`SELECT id FROM (SELECT id FROM (${expired}) AS e UNION ALL SELECT id FROM (${due}) AS q) AS candidates LIMIT ${options.limit}`
      : due;
  // RETURNING follows no promised order: sorted here, oldest due first, so a channel's messages leave in order.
  // Times come back as milliseconds (float8, exact for timestamp(3)): no timestamptz text to parse into a Date per row.
  const ms = (name: string) => sql.raw(`(extract(epoch FROM ${name}) * 1000)::float8`);
  const rows = await rowsOf<{
    id: string;
    org_id: string;
    channel_id: string;
    rule_id: string | null;
    product_id: string | null;
    attempt_count: number;
    leased_until: number;
    is_test: boolean;
    throttled_since: number | null;
    flood_minutes: number | null;
  }>(
    db,
    sql`WITH claimed AS (
          UPDATE deliveries
             SET status = 'sending', leased_until = ${until}, lease_owner = ${options.owner}, updated_at = ${now}, digest_key = NULL
           WHERE id IN (${ids})
       RETURNING id, org_id, channel_id, rule_id, product_id, attempt_count, leased_until, is_test, next_attempt_at, created_at, throttled_since, flood_minutes)
        SELECT id, org_id, channel_id, rule_id, product_id, attempt_count, ${ms("leased_until")} AS leased_until, is_test,
               ${ms("throttled_since")} AS throttled_since, flood_minutes
          FROM claimed ORDER BY next_attempt_at, created_at`,
  );
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    channelId: r.channel_id,
    ruleId: r.rule_id,
    productId: r.product_id,
    attemptCount: r.attempt_count,
    leasedUntil: r.leased_until,
    isTest: r.is_test,
    throttledSince: r.throttled_since,
    floodMinutes: r.flood_minutes,
  }));
}

/**
 * Writes a worker's finished outcomes and claims its next batch in one
 * transaction — one commit instead of two. If either fails, neither is kept:
 * the caller still holds the outcomes and writes them later.
 */
export async function recordAndClaim(
  db: Db,
  outcomes: OutcomeRecord[],
  options: ClaimOptions & { disableAfterMs: number },
): Promise<{ changes: HealthChange[]; claimed: ClaimedDelivery[] }> {
  return db.transaction(async (tx) => {
    const changes = await writeOutcomes(tx, options.owner, outcomes, { disableAfterMs: options.disableAfterMs });
    return { changes, claimed: await claimDueDeliveries(tx, options) };
  });
}

/**
 * When something next becomes claimable (a retry, a digest window, an expired
 * lease), so an idle worker sleeps exactly until then instead of polling blind.
 */
export async function nextDueAt(db: DbOrTx, now = Date.now()): Promise<number | null> {
  const pg = engineOf(db) === "postgres";
  const at = pg ? `'${new Date(now).toISOString()}'::timestamptz` : String(now);
  // A held channel's deliveries are due at the hold's end (its own branch), not now.
  const [row] = await rowsOf<{ t: number | string | Date | null }>(
    db,
    sql.raw(`SELECT min(t) AS t FROM (
       SELECT min(d.next_attempt_at) AS t FROM deliveries d JOIN channels c ON c.id = d.channel_id
        WHERE d.${PENDING_DELIVERY} AND d.status = 'queued' AND c.enabled = ${pg ? "true" : "1"} AND c.health <> 'disabled'
          AND coalesce(c.send_not_before, ${pg ? at : "0"}) <= ${at}
       UNION ALL
       SELECT min(send_not_before) FROM channels WHERE send_not_before > ${at}
       UNION ALL
       SELECT min(leased_until) FROM deliveries WHERE ${PENDING_DELIVERY} AND status = 'sending') AS due`),
  );
  return row?.t === null || row?.t === undefined ? null : new Date(row.t).getTime();
}

/**
 * Extends the leases a live worker holds (claimed, waiting in a paced lane or
 * being sent), so a long backlog is never taken over while its worker is
 * healthy. A worker that dies stops renewing, and its leases expire.
 */
export async function renewLeases(db: DbOrTx, owner: string, leaseMs: number, now = Date.now()): Promise<number> {
  const until = new Date(now + leaseMs);
  const result = await db
    .update(deliveries)
    .set({ leasedUntil: until })
    .where(and(sql.raw(PENDING_DELIVERY), eq(deliveries.status, "sending"), eq(deliveries.leaseOwner, owner), lt(deliveries.leasedUntil, until)));
  return changedRows(result);
}
