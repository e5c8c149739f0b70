import type Database from "better-sqlite3";
import { definitionOf } from "@/lib/channels/definitions";
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { column, engineOf, prepared, sqliteOf, type Db, type DbOrTx } from "@/db/client";
import { channels as channelsTable, deliveries as deliveriesTable, type ChannelHealth, type ChannelType } from "@/db/schema";
import { boundedHeadersJson } from "@/lib/channels/response-headers";
import type { SendResult } from "@/lib/channels/types";
import { newId } from "@/lib/ids";
import { RESPONSE_EXCERPT_BYTES, utf8Excerpt } from "@/lib/net/post";
import { speedUp } from "./backpressure";
import { FIGURES_HOUR_MS, nextHealth, unhealthyTitle, type HealthState } from "./health";
import { raisePlatformEvent } from "@/lib/events/platform";
import type { AttemptOutcome } from "@/db/schema/values";
import { pullRetriesForward } from "./recovery";
import { isPassingDbFailure, rootError } from "./storage-health";

/**
 * Writing what happened, a batch at a time: one transaction stores the
 * attempts, moves each delivery on (delivered, queued for a retry, failed,
 * dead — or released unsent), and updates the channels' health, raising
 * `integration.unhealthy` for every channel that turned failing or disabled,
 * their last attempt and their hourly delivered/failed counts.
 */

const ERROR_CHARS = 1000;

export type AttemptRecord = {
  kind: "attempt";
  deliveryId: string;
  channelId: string;
  channelType: ChannelType;
  at: number;
  result: SendResult;
  outcome: AttemptOutcome;
  nextAttemptAt?: number;
  /** Inbox channels: the events to put in the inbox of every member (or of the members the channel names). */
  inboxEventIds?: string[];
  /** A test alert's attempt: recorded like any other, but never changes the channel's health. */
  isTest?: boolean;
  /** The receiver asked the channel to wait until then (lib/dispatch/backpressure.ts); `throttle`: it refused this one. */
  hold?: { untilMs: number; throttle: boolean };
};

/** A claimed delivery handed back without being sent (stopping, or its channel was disabled meanwhile). */
type ReleaseRecord = { kind: "release"; deliveryId: string };

export type OutcomeRecord = AttemptRecord | ReleaseRecord;

export type HealthChange = { channelId: string; orgId: string; from: ChannelHealth; to: ChannelHealth };

/** A response as stored: at most RESPONSE_EXCERPT_BYTES (what lib/net/post.ts reads), null when empty. */
function boundedExcerpt(text: string | undefined): string | null {
  if (!text) return null;
  return Buffer.byteLength(text) <= RESPONSE_EXCERPT_BYTES ? text : utf8Excerpt(text);
}

/** The health columns of these channels, times in milliseconds. */
async function channelStates(tx: DbOrTx, ids: string[]): Promise<ChannelStateRow[]> {
  const rows = await tx
    .select({
      id: channelsTable.id,
      org_id: channelsTable.orgId,
      name: channelsTable.name,
      type: channelsTable.type,
      health: channelsTable.health,
      consecutive_failures: channelsTable.consecutiveFailures,
      failing_since: channelsTable.failingSince,
      last_error: channelsTable.lastError,
      last_error_at: channelsTable.lastErrorAt,
      last_success_at: channelsTable.lastSuccessAt,
      last_attempt_at: channelsTable.lastAttemptAt,
      last_attempt_outcome: channelsTable.lastAttemptOutcome,
      pace_ms: channelsTable.paceMs,
      send_not_before: channelsTable.sendNotBefore,
    })
    .from(channelsTable)
    .where(inArray(channelsTable.id, ids));
  const ms = (d: Date | null) => d?.getTime() ?? null;
  return rows.map((r) => ({
    ...r,
    send_not_before: ms(r.send_not_before),
    failing_since: ms(r.failing_since),
    last_error_at: ms(r.last_error_at),
    last_success_at: ms(r.last_success_at),
    last_attempt_at: ms(r.last_attempt_at),
  }));
}

type ChannelStateRow = {
  id: string;
  org_id: string;
  name: string;
  type: ChannelType;
  health: ChannelHealth;
  consecutive_failures: number;
  failing_since: number | null;
  last_error: string | null;
  last_error_at: number | null;
  last_success_at: number | null;
  last_attempt_at: number | null;
  last_attempt_outcome: AttemptOutcome | null;
  pace_ms: number;
  send_not_before: number | null;
};

export async function recordOutcomes(
  db: DbOrTx,
  owner: string,
  records: OutcomeRecord[],
  options: { disableAfterMs: number; now?: number },
): Promise<HealthChange[]> {
  if (records.length === 0) return [];
  return db.transaction((tx) => writeOutcomes(tx, owner, records, options));
}

/** A record the database refused on its own: its delivery was finished with `error` instead (setAsideStatus). */
export type SetAside = { deliveryId: string; error: string };

/**
 * recordOutcomes for a batch whose write failed for a reason that does not
 * pass by itself (not storage away or contention): one record at a time, so
 * that a record the database refuses — a bug of ours, as a receiver's NUL in an
 * excerpt was — cannot hold back the others. Written with the next claim, it
 * failed every claim after it and stalled the node.
 *
 * A record refused on its own is set aside: its delivery is finished with the
 * database's words as its last error (shown in the delivery log), without the
 * attempt that could not be stored. A release refused on its own is dropped:
 * its lease runs out. `left`: what a passing failure (`failure`) stopped, to
 * be written again as it is. Never throws.
 */
export async function recordOutcomesApart(
  db: Db,
  owner: string,
  records: OutcomeRecord[],
  options: { disableAfterMs: number; now?: number },
): Promise<{ changes: HealthChange[]; setAside: SetAside[]; left: OutcomeRecord[]; failure?: unknown }> {
  const changes: HealthChange[] = [];
  const setAside: SetAside[] = [];
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    try {
      changes.push(...(await recordOutcomes(db, owner, [record], options)));
    } catch (e) {
      if (isPassingDbFailure(e)) return { changes, setAside, left: records.slice(i), failure: e };
      const error = `Herald could not record this attempt: ${String(rootError(e).message)}`.slice(0, ERROR_CHARS);
      setAside.push({ deliveryId: record.deliveryId, error });
      if (record.kind === "release") continue;
      try {
        await finishUnrecorded(db, owner, record, error, options.now ?? Date.now());
      } catch (again) {
        if (isPassingDbFailure(again)) return { changes, setAside: setAside.slice(0, -1), left: records.slice(i), failure: again };
        // Refused even so: the lease runs out and the delivery is claimed again.
      }
    }
  }
  return { changes, setAside, left: [] };
}

/**
 * What an attempt that could not be recorded leaves its delivery: delivered
 * when the receiver took it (a replay would send it twice), failed otherwise
 * — no retry, whatever the schedule, as a record refused once is refused again.
 * An inbox channel's delivery is the inbox rows the refused write held: failed.
 */
const setAsideStatus = (record: AttemptRecord) => (record.result.ok && !record.inboxEventIds?.length ? "delivered" : "failed");

/** The least that can be written of an attempt that could not be recorded: its delivery finished, with why. */
async function finishUnrecorded(db: Db, owner: string, record: AttemptRecord, error: string, now: number) {
  const status = setAsideStatus(record);
  await db
    .update(deliveriesTable)
    .set({
      status,
      attemptCount: sql`${deliveriesTable.attemptCount} + 1`,
      leasedUntil: null,
      leaseOwner: null,
      lastError: error,
      updatedAt: new Date(now),
      ...(status === "delivered" ? { deliveredAt: new Date(now) } : {}),
    })
    .where(and(eq(deliveriesTable.id, record.deliveryId), eq(deliveriesTable.leaseOwner, owner), eq(deliveriesTable.status, "sending")));
}

/**
 * recordOutcomes' writes inside a transaction the caller holds (the claim's,
 * lib/dispatch/claim.ts recordAndClaim): a nested `transaction()` would add a
 * SAVEPOINT and its RELEASE — two round trips — for a rollback nothing uses.
 */
export async function writeOutcomes(
  tx: DbOrTx,
  owner: string,
  records: OutcomeRecord[],
  options: { disableAfterMs: number; now?: number },
): Promise<HealthChange[]> {
  if (records.length === 0) return [];
  const now = options.now ?? Date.now();
  const attempts = engineOf(tx) === "postgres" ? await writeOutcomesPostgres(tx, owner, records, now) : writeOutcomesSqlite(tx, owner, records, now);
  // A test alert's attempts say nothing of the channel's own traffic: no health, no figures.
  const real = attempts.filter((a) => !a.isTest);
  await countFinished(tx, real, now);
  return updateHealth(tx, real, options.disableAfterMs, now);
}

/** SQLite: prepared statements, run synchronously inside the caller's transaction. Returns the attempts written. */
function writeOutcomesSqlite(tx: DbOrTx, owner: string, records: OutcomeRecord[], now: number): AttemptRecord[] {
  const sqlite = sqliteOf(tx);
  const release = prepared(
    sqlite,
    `UPDATE deliveries SET status = 'queued', leased_until = NULL, lease_owner = NULL, updated_at = ?
      WHERE id = ? AND lease_owner = ? AND status = 'sending'`,
  );
  // The lease is checked so that a worker whose lease expired (and whose delivery
  // another worker took over) does not overwrite the newer state; its attempt is still stored.
  const finish = prepared(
    sqlite,
    `UPDATE deliveries
        SET status = @status, attempt_count = attempt_count + 1, next_attempt_at = coalesce(@next, next_attempt_at),
            messages_sent = coalesce(@sent, messages_sent),
            leased_until = NULL, lease_owner = NULL, last_error = @error, updated_at = @now,
            delivered_at = CASE WHEN @status = 'delivered' THEN @now ELSE delivered_at END
      WHERE id = @id AND lease_owner = @owner AND status = 'sending'`,
  );
  // A throttle spends no attempt (DESIGN §5): back to queued for the hold's end, the first throttle's time kept.
  const throttled = prepared(
    sqlite,
    `UPDATE deliveries
        SET status = 'queued', next_attempt_at = @next, throttled_since = coalesce(throttled_since, @at),
            messages_sent = coalesce(@sent, messages_sent), leased_until = NULL, lease_owner = NULL, last_error = @error, updated_at = @now
      WHERE id = @id AND lease_owner = @owner AND status = 'sending'`,
  );
  // Most outcomes are "delivered": those are one statement for the whole batch.
  const finishDelivered = prepared(
    sqlite,
    `UPDATE deliveries
        SET status = 'delivered', attempt_count = attempt_count + 1, leased_until = NULL, lease_owner = NULL,
            last_error = NULL, updated_at = @now, delivered_at = @now
      WHERE id IN (SELECT value FROM json_each(@ids)) AND lease_owner = @owner AND status = 'sending'`,
  );
  const fillInbox = prepared(
    sqlite,
    `INSERT OR IGNORE INTO inbox_items (id, org_id, user_id, channel_id, event_id, delivery_id, created_at)
     SELECT 'inb_' || lower(hex(randomblob(12))), m.org_id, m.user_id, @channelId, @eventId, @deliveryId, @now
       FROM memberships m JOIN channels c ON c.org_id = m.org_id JOIN users u ON u.id = m.user_id
      WHERE c.id = @channelId
        AND (coalesce(json_array_length(c.settings, '$.members'), 0) = 0
             OR lower(u.email) IN (SELECT value FROM json_each(c.settings, '$.members')))`,
  );

  const attempts: AttemptRecord[] = [];
  const delivered: string[] = [];
  for (const r of records) {
    if (r.kind === "release") {
      release.run(now, r.deliveryId, owner);
      continue;
    }
    attempts.push(r);
    if (r.outcome === "delivered") {
      delivered.push(r.deliveryId);
    } else if (r.outcome === "throttled") {
      throttled.run({ next: r.nextAttemptAt!, at: r.at, sent: r.result.messagesSent ?? null, error: errorOf(r.result), now, id: r.deliveryId, owner });
    } else {
      const error = r.result.ok ? null : errorOf(r.result);
      finish.run({
        status: r.outcome === "retry" ? "queued" : r.outcome,
        next: r.nextAttemptAt ?? null,
        sent: r.result.messagesSent ?? null,
        error,
        now,
        id: r.deliveryId,
        owner,
      });
    }
    for (const eventId of r.inboxEventIds ?? []) {
      fillInbox.run({ channelId: r.channelId, eventId, deliveryId: r.deliveryId, now });
    }
  }
  insertAttempts(sqlite, attempts);
  if (delivered.length) finishDelivered.run({ ids: JSON.stringify(delivered), now, owner });
  return attempts;
}

/**
 * PostgreSQL: the same writes as SQLite's, in two statements whatever the
 * batch (each statement is a round trip): the releases, then ONE statement
 * over unnest()ed column arrays (one parameter per column, little to build)
 * that finishes the delivered ones by id, moves the others to their new
 * states and inserts the attempts; then the inbox rows. The lease is checked
 * as on SQLite: a delivery another worker took over keeps its newer state,
 * and its attempt is still stored.
 */
async function writeOutcomesPostgres(tx: DbOrTx, owner: string, records: OutcomeRecord[], nowMs: number): Promise<AttemptRecord[]> {
  const now = new Date(nowMs);
  const attempts = records.filter((r): r is AttemptRecord => r.kind === "attempt");
  const released = records.filter((r) => r.kind === "release").map((r) => r.deliveryId);
  if (released.length) {
    await tx.execute(sql`UPDATE deliveries SET status = 'queued', leased_until = NULL, lease_owner = NULL, updated_at = ${now}
                          WHERE id = ANY(${column(released)}::text[]) AND lease_owner = ${owner} AND status = 'sending'`);
  }
  if (attempts.length === 0) return attempts;
  const errors = attempts.map((a) => (a.result.ok ? null : errorOf(a.result)));
  const delivered: string[] = [];
  const others: { id: string; status: string; next: string | null; error: string | null; throttled: string | null; sent: number | null }[] = [];
  attempts.forEach((a, i) => {
    if (a.outcome === "delivered") delivered.push(a.deliveryId);
    else
      others.push({
        id: a.deliveryId,
        status: a.outcome === "retry" || a.outcome === "throttled" ? "queued" : a.outcome,
        next: a.nextAttemptAt === undefined ? null : new Date(a.nextAttemptAt).toISOString(),
        error: errors[i],
        // A throttle spends no attempt (DESIGN §5); the first throttle's time bounds how long it may last.
        throttled: a.outcome === "throttled" ? new Date(a.at).toISOString() : null,
        sent: a.result.messagesSent ?? null,
      });
  });
  // Sub-statements of one WITH: each delivery is in one of them only (PostgreSQL cannot update a row twice in a statement).
  const updates: SQL[] = [];
  if (delivered.length) {
    updates.push(sql`finished AS (
      UPDATE deliveries
         SET status = 'delivered', attempt_count = attempt_count + 1, leased_until = NULL, lease_owner = NULL,
             last_error = NULL, updated_at = ${now}, delivered_at = ${now}
       WHERE id = ANY(${column(delivered)}::text[]) AND lease_owner = ${owner} AND status = 'sending')`);
  }
  if (others.length) {
    updates.push(sql`moved AS (
      UPDATE deliveries d
         SET status = u.status, attempt_count = d.attempt_count + CASE WHEN u.throttled IS NULL THEN 1 ELSE 0 END,
             next_attempt_at = coalesce(u.next, d.next_attempt_at), throttled_since = coalesce(d.throttled_since, u.throttled),
             messages_sent = coalesce(u.sent, d.messages_sent), leased_until = NULL, lease_owner = NULL, last_error = u.error, updated_at = ${now}
        FROM unnest(${column(others.map((o) => o.id))}::text[], ${column(others.map((o) => o.status))}::text[],
                    ${column(others.map((o) => o.next))}::timestamptz[], ${column(others.map((o) => o.error))}::text[],
                    ${column(others.map((o) => o.throttled))}::timestamptz[], ${column(others.map((o) => o.sent))}::int[])
             AS u(id, status, next, error, throttled, sent)
       WHERE d.id = u.id AND d.lease_owner = ${owner} AND d.status = 'sending')`);
  }
  await tx.execute(sql`${updates.length ? sql`WITH ${sql.join(updates, sql`, `)}` : sql``}
    INSERT INTO attempts (id, delivery_id, at, duration_ms, outcome, status_code, response, response_headers, part, error)
    SELECT * FROM unnest(${column(attempts.map(() => newId("att")))}::text[], ${column(attempts.map((a) => a.deliveryId))}::text[],
                         ${column(attempts.map((a) => new Date(a.at).toISOString()))}::timestamptz[],
                         ${column(attempts.map((a) => Math.max(0, Math.round(a.result.durationMs))))}::int[],
                         ${column(attempts.map((a) => a.outcome))}::text[], ${column(attempts.map((a) => a.result.statusCode ?? null))}::int[],
                         ${column(attempts.map((a) => boundedExcerpt(a.result.response)))}::text[],
                         ${column(attempts.map((a) => boundedHeadersJson(a.result.responseHeaders)))}::text[],
                         ${column(attempts.map((a) => a.result.part ?? null))}::int[], ${column(errors)}::text[])`);
  for (const r of attempts) {
    for (const eventId of r.inboxEventIds ?? []) {
      await tx.execute(sql`INSERT INTO inbox_items (id, org_id, user_id, channel_id, event_id, delivery_id, created_at)
        SELECT 'inb_' || replace(gen_random_uuid()::text, '-', ''), m.org_id, m.user_id, c.id, ${eventId}, ${r.deliveryId}, ${now}
          FROM memberships m JOIN channels c ON c.org_id = m.org_id JOIN users u ON u.id = m.user_id
         WHERE c.id = ${r.channelId}
           AND (jsonb_array_length(coalesce(c.settings->'members', '[]'::jsonb)) = 0
                OR lower(u.email) IN (SELECT jsonb_array_elements_text(c.settings->'members')))
        ON CONFLICT DO NOTHING`);
    }
  }
  return attempts;
}

const errorOf = (result: SendResult) => (result.error ?? "failed").slice(0, ERROR_CHARS);

/** INSERTs of 64, 32, … 1 attempts, largest first. */
const INSERT_ATTEMPTS = [64, 32, 16, 8, 4, 2, 1].map((rows) => ({
  rows,
  sql: `INSERT INTO attempts (id, delivery_id, at, duration_ms, outcome, status_code, response, response_headers, part, error) VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
}));

/**
 * Inserts the attempts with multi-row INSERTs of 64, 32, … 1 rows (a handful
 * of statements, each prepared once): one statement per row cost a third more.
 */
function insertAttempts(sqlite: Database.Database, attempts: AttemptRecord[]) {
  let done = 0;
  for (const { rows, sql } of INSERT_ATTEMPTS) {
    if (attempts.length - done < rows) continue;
    const insert = prepared(sqlite, sql);
    while (attempts.length - done >= rows) {
      const values: unknown[] = [];
      for (const r of attempts.slice(done, done + rows)) {
        values.push(
          newId("att"),
          r.deliveryId,
          r.at,
          Math.max(0, Math.round(r.result.durationMs)),
          r.outcome,
          r.result.statusCode ?? null,
          boundedExcerpt(r.result.response),
          boundedHeadersJson(r.result.responseHeaders),
          r.result.part ?? null,
          r.result.ok ? null : errorOf(r.result),
        );
      }
      insert.run(values);
      done += rows;
    }
  }
}

/** A newer success within this of the stored one is not written: a busy channel's row is rewritten once a second, not once per batch. */
const SUCCESS_TIME_RESOLUTION_MS = 1_000;

type LastAttempt = { at: number; outcome: AttemptOutcome; durationMs: number; statusCode: number | null };

/** A newer last attempt is written unless it only moved the time by less than a second (as last_success_at). */
function lastAttemptChanged(row: ChannelStateRow, last: LastAttempt | undefined): boolean {
  if (!last) return false;
  if (row.last_attempt_at === null || last.outcome !== row.last_attempt_outcome) return true;
  return last.at - row.last_attempt_at >= SUCCESS_TIME_RESOLUTION_MS;
}

/**
 * Adds the deliveries these attempts finished to their channels' hourly counts
 * (channel_hourly_counts: the "last 24 h" figures), one upsert per channel and
 * hour on SQLite (prepared), one statement for the batch on PostgreSQL.
 */
async function countFinished(tx: DbOrTx, attempts: AttemptRecord[], now: number) {
  const hour = Math.floor(now / FIGURES_HOUR_MS) * FIGURES_HOUR_MS;
  const counts = new Map<string, { delivered: number; failed: number }>();
  for (const a of attempts) {
    if (a.outcome !== "delivered" && a.outcome !== "failed" && a.outcome !== "dead") continue;
    const c = counts.get(a.channelId) ?? { delivered: 0, failed: 0 };
    if (a.outcome === "delivered") c.delivered++;
    else c.failed++;
    counts.set(a.channelId, c);
  }
  if (counts.size === 0) return;
  if (engineOf(tx) === "postgres") {
    const rows = [...counts];
    // The channel may have been deleted meanwhile: the join keeps its counts out (no foreign-key error).
    await tx.execute(sql`INSERT INTO channel_hourly_counts (channel_id, hour, delivered, failed)
                         SELECT u.channel, ${new Date(hour)}, u.delivered, u.failed
                           FROM unnest(${column(rows.map(([id]) => id))}::text[], ${column(rows.map(([, c]) => c.delivered))}::int[],
                                       ${column(rows.map(([, c]) => c.failed))}::int[]) AS u(channel, delivered, failed)
                           JOIN channels c ON c.id = u.channel
                         ON CONFLICT (channel_id, hour) DO UPDATE
                            SET delivered = channel_hourly_counts.delivered + excluded.delivered, failed = channel_hourly_counts.failed + excluded.failed`);
    return;
  }
  const upsert = prepared(
    sqliteOf(tx),
    `INSERT INTO channel_hourly_counts (channel_id, hour, delivered, failed)
     SELECT id, @hour, @delivered, @failed FROM channels WHERE id = @channel
     ON CONFLICT (channel_id, hour) DO UPDATE SET delivered = delivered + excluded.delivered, failed = failed + excluded.failed`,
  );
  for (const [channel, c] of counts) upsert.run({ channel, hour, ...c });
}

function healthRowChanged(row: ChannelStateRow, state: HealthState): boolean {
  return (
    state.health !== row.health ||
    state.consecutiveFailures !== row.consecutive_failures ||
    state.failingSince !== row.failing_since ||
    state.lastError !== row.last_error ||
    state.lastErrorAt !== row.last_error_at ||
    (state.lastSuccessAt !== null && (row.last_success_at === null || state.lastSuccessAt - row.last_success_at >= SUCCESS_TIME_RESOLUTION_MS))
  );
}

type HealthWrite = { id: string; state: HealthState; last: LastAttempt | undefined };

/**
 * The channels' new health rows (their last attempt too, when it changed):
 * on PostgreSQL ONE statement over unnest()ed columns for the whole batch —
 * to a thousand channels that was a statement for every third delivery — and
 * on SQLite an UPDATE per channel (no round trips there). A null `last_at`
 * keeps the stored last attempt.
 */
async function writeHealth(tx: DbOrTx, writes: HealthWrite[]) {
  if (writes.length === 0) return;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  if (engineOf(tx) === "postgres") {
    await tx.execute(sql`UPDATE channels c
        SET health = u.health, consecutive_failures = u.failures, failing_since = u.failing_since, last_error = u.error,
            last_error_at = u.error_at, last_success_at = u.success_at,
            last_attempt_at = coalesce(u.last_at, c.last_attempt_at),
            last_attempt_outcome = CASE WHEN u.last_at IS NULL THEN c.last_attempt_outcome ELSE u.last_outcome END,
            last_attempt_duration_ms = CASE WHEN u.last_at IS NULL THEN c.last_attempt_duration_ms ELSE u.last_duration END,
            last_attempt_status_code = CASE WHEN u.last_at IS NULL THEN c.last_attempt_status_code ELSE u.last_status END
       FROM unnest(${column(writes.map((w) => w.id))}::text[], ${column(writes.map((w) => w.state.health))}::text[],
                   ${column(writes.map((w) => w.state.consecutiveFailures))}::int[], ${column(writes.map((w) => iso(w.state.failingSince)))}::timestamptz[],
                   ${column(writes.map((w) => w.state.lastError))}::text[], ${column(writes.map((w) => iso(w.state.lastErrorAt)))}::timestamptz[],
                   ${column(writes.map((w) => iso(w.state.lastSuccessAt)))}::timestamptz[], ${column(writes.map((w) => iso(w.last?.at ?? null)))}::timestamptz[],
                   ${column(writes.map((w) => w.last?.outcome ?? null))}::text[], ${column(writes.map((w) => w.last?.durationMs ?? null))}::int[],
                   ${column(writes.map((w) => w.last?.statusCode ?? null))}::int[])
            AS u(id, health, failures, failing_since, error, error_at, success_at, last_at, last_outcome, last_duration, last_status)
      WHERE c.id = u.id`);
    return;
  }
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
  for (const { id, state, last } of writes) {
    await tx
      .update(channelsTable)
      .set({
        health: state.health,
        consecutiveFailures: state.consecutiveFailures,
        failingSince: at(state.failingSince),
        lastError: state.lastError,
        lastErrorAt: at(state.lastErrorAt),
        lastSuccessAt: at(state.lastSuccessAt),
        ...(last
          ? {
              lastAttemptAt: new Date(last.at),
              lastAttemptOutcome: last.outcome,
              lastAttemptDurationMs: last.durationMs,
              lastAttemptStatusCode: last.statusCode,
            }
          : {}),
      })
      .where(eq(channelsTable.id, id));
  }
}

async function updateHealth(tx: DbOrTx, attempts: AttemptRecord[], disableAfterMs: number, now: number): Promise<HealthChange[]> {
  if (attempts.length === 0) return [];
  const ids = [...new Set(attempts.map((a) => a.channelId))];
  const rows = await channelStates(tx, ids);
  const states = new Map<string, { row: ChannelStateRow; state: HealthState; gone: boolean }>();
  for (const row of rows) {
    states.set(row.id, {
      row,
      gone: false,
      state: {
        health: row.health,
        consecutiveFailures: row.consecutive_failures,
        failingSince: row.failing_since,
        lastError: row.last_error,
        lastErrorAt: row.last_error_at,
        lastSuccessAt: row.last_success_at,
      },
    });
  }
  const successes = new Map<string, number>();
  const lastAttempts = new Map<string, LastAttempt>();
  for (const a of attempts) {
    const entry = states.get(a.channelId);
    if (!entry) continue; // the channel was deleted meanwhile
    // Throttles too: the page says what the receiver last answered, whatever it was.
    const last = lastAttempts.get(a.channelId);
    if ((!last || a.at >= last.at) && a.at >= (entry.row.last_attempt_at ?? 0)) {
      lastAttempts.set(a.channelId, {
        at: a.at,
        outcome: a.outcome,
        durationMs: Math.max(0, Math.round(a.result.durationMs)),
        statusCode: a.result.statusCode ?? null,
      });
    }
    // Back-pressure is not failure: a throttle neither counts toward failing nor ends a streak of failures.
    if (a.outcome === "throttled" || (a.hold?.throttle && !a.result.ok)) continue;
    // Only a success of a request started after the last hold says the receiver takes the current rate.
    if (a.result.ok && entry.row.pace_ms > 0 && a.at >= (entry.row.send_not_before ?? 0)) successes.set(a.channelId, (successes.get(a.channelId) ?? 0) + 1);
    const before = entry.state.health;
    entry.state = nextHealth(entry.state, { ok: a.result.ok, gone: a.result.gone, error: a.result.error, at: a.at + a.result.durationMs }, disableAfterMs);
    if (before !== "disabled" && entry.state.health === "disabled") entry.gone = !!a.result.gone;
  }
  const writes: HealthWrite[] = [];
  for (const [id, { row, state }] of states) {
    const last = lastAttempts.get(id);
    if (healthRowChanged(row, state) || lastAttemptChanged(row, last)) writes.push({ id, state, last });
  }
  // Before the pacing below: speedUp may set a throttled channel healthy again, over what this writes.
  await writeHealth(tx, writes);
  const changes: HealthChange[] = [];
  for (const [id, { row, state, gone }] of states) {
    // Only channels the receiver is pacing (pace_ms > 0) pay this write: healthy unpaced ones never do.
    const n = successes.get(id);
    if (n) await speedUp(tx, { id, baseIntervalMs: definitionOf(row.type).lane.intervalMs }, n, now);
    if (state.health === row.health) continue;
    changes.push({ channelId: id, orgId: row.org_id, from: row.health, to: state.health });
    // Failing → healthy: the receiver is back, its waiting retries go now (lib/dispatch/recovery.ts). Only
    // then — not at any success after a failure — so a flapping receiver does not burn the retry budget.
    if (row.health === "failing" && state.health === "healthy") await pullRetriesForward(tx, id, row.type, now);
    // `throttled` is back-pressure, not trouble: no integration.unhealthy (that is what flapped in issue #17).
    if (state.health === "healthy" || state.health === "throttled") continue;
    await raisePlatformEvent(tx, {
      orgId: row.org_id,
      type: "integration.unhealthy",
      title: unhealthyTitle(row.name, state.health, gone),
      data: {
        channelId: id,
        channel: row.name,
        channelType: row.type,
        health: state.health,
        previousHealth: row.health,
        consecutiveFailures: state.consecutiveFailures,
        failingSince: state.failingSince ? new Date(state.failingSince).toISOString() : null,
        lastError: state.lastError,
      },
      occurredAt: new Date(now),
    });
  }
  return changes;
}
