import type Database from "better-sqlite3";
import { prepared, type Db } from "@/db/client";
import { withWriteLock } from "@/db/write-lock";
import type { ChannelHealth, ChannelType } from "@/db/schema";
import type { SendResult } from "@/lib/channels/types";
import crypto from "node:crypto";
import { nextHealth, unhealthyTitle, type HealthState } from "./health";
import { raisePlatformEvent } from "@/lib/events/platform";
import type { AttemptOutcome } from "./retry";

/**
 * Writing what happened, a batch at a time: one transaction stores the
 * attempts, moves each delivery on (delivered, queued for a retry, failed,
 * dead — or released unsent), and updates the channels' health, raising
 * `integration.unhealthy` for every channel that turned failing or disabled.
 */

export const EXCERPT_BYTES = 2048;
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
};

/** A claimed delivery handed back without being sent (stopping, or its channel was disabled meanwhile). */
export type ReleaseRecord = { kind: "release"; deliveryId: string };

export type OutcomeRecord = AttemptRecord | ReleaseRecord;

/**
 * Attempt ids like lib/ids' `att_…`, but time-ordered (milliseconds in base 36,
 * then randomness from a pool refilled every 512 ids): new rows land at the end
 * of the primary-key index instead of on a random page, which at 100k
 * deliveries is a large share of the write cost.
 */
let idPool = Buffer.alloc(0);
let idOffset = 0;
function attemptId(): string {
  if (idOffset + 9 > idPool.length) {
    idPool = crypto.randomBytes(9 * 512);
    idOffset = 0;
  }
  idOffset += 9;
  return `att_${Date.now().toString(36).padStart(9, "0")}${idPool.toString("base64url", idOffset - 9, idOffset)}`;
}

export type HealthChange = { channelId: string; orgId: string; from: ChannelHealth; to: ChannelHealth };

export function boundedExcerpt(text: string | undefined, bytes = EXCERPT_BYTES): string | null {
  if (!text) return null;
  const buf = Buffer.from(text, "utf8");
  if (buf.length <= bytes) return text;
  return buf.subarray(0, bytes).toString("utf8").replace(/\uFFFD$/, "");
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
};

export function recordOutcomes(
  db: Db,
  owner: string,
  records: OutcomeRecord[],
  options: { disableAfterMs: number; now?: number },
): HealthChange[] {
  if (records.length === 0) return [];
  const sqlite = db.$client;
  const now = options.now ?? Date.now();
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
            leased_until = NULL, lease_owner = NULL, last_error = @error, updated_at = @now,
            delivered_at = CASE WHEN @status = 'delivered' THEN @now ELSE delivered_at END
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

  const run = sqlite.transaction((): HealthChange[] => {
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
      } else {
        const error = r.result.ok ? null : errorOf(r.result);
        finish.run({ status: r.outcome === "retry" ? "queued" : r.outcome, next: r.nextAttemptAt ?? null, error, now, id: r.deliveryId, owner });
      }
      for (const eventId of r.inboxEventIds ?? []) {
        fillInbox.run({ channelId: r.channelId, eventId, deliveryId: r.deliveryId, now });
      }
    }
    insertAttempts(sqlite, attempts);
    if (delivered.length) finishDelivered.run({ ids: JSON.stringify(delivered), now, owner });
    return updateHealth(db, attempts.filter((a) => !a.isTest), options.disableAfterMs, now);
  });
  return withWriteLock(() => run.immediate());
}

const errorOf = (result: SendResult) => (result.error ?? "failed").slice(0, ERROR_CHARS);

/** INSERTs of 64, 32, … 1 attempts, largest first. */
const INSERT_ATTEMPTS = [64, 32, 16, 8, 4, 2, 1].map((rows) => ({
  rows,
  sql: `INSERT INTO attempts (id, delivery_id, at, duration_ms, outcome, status_code, response, error) VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
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
          attemptId(),
          r.deliveryId,
          r.at,
          Math.max(0, Math.round(r.result.durationMs)),
          r.outcome,
          r.result.statusCode ?? null,
          boundedExcerpt(r.result.response),
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

function updateHealth(db: Db, attempts: AttemptRecord[], disableAfterMs: number, now: number): HealthChange[] {
  if (attempts.length === 0) return [];
  const sqlite = db.$client;
  const ids = [...new Set(attempts.map((a) => a.channelId))];
  const rows = prepared(
    sqlite,
    `SELECT id, org_id, name, type, health, consecutive_failures, failing_since, last_error, last_error_at, last_success_at
       FROM channels WHERE id IN (SELECT value FROM json_each(?))`,
  ).all(JSON.stringify(ids)) as ChannelStateRow[];
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
  for (const a of attempts) {
    const entry = states.get(a.channelId);
    if (!entry) continue; // the channel was deleted meanwhile
    const before = entry.state.health;
    entry.state = nextHealth(entry.state, { ok: a.result.ok, gone: a.result.gone, error: a.result.error, at: a.at + a.result.durationMs }, disableAfterMs);
    if (before !== "disabled" && entry.state.health === "disabled") entry.gone = !!a.result.gone;
  }
  const write = prepared(
    sqlite,
    `UPDATE channels SET health = @health, consecutive_failures = @consecutiveFailures, failing_since = @failingSince,
            last_error = @lastError, last_error_at = @lastErrorAt, last_success_at = @lastSuccessAt
      WHERE id = @id`,
  );
  const changes: HealthChange[] = [];
  for (const [id, { row, state, gone }] of states) {
    if (healthRowChanged(row, state)) write.run({ id, ...state });
    if (state.health === row.health) continue;
    changes.push({ channelId: id, orgId: row.org_id, from: row.health, to: state.health });
    if (state.health === "healthy") continue;
    raisePlatformEvent(db, {
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
