import { sql } from "drizzle-orm";
import { engineOf, prepared, rowsOf, sqliteOf, sqliteWriteTransaction, type DbOrTx } from "@/db/client";
import type { SendResult } from "@/lib/channels/types";

/**
 * Back-pressure (DESIGN §5, issue #17): a receiver that asks Herald to slow
 * down is not failing. Its hold and its pace live on the channel row, so every
 * worker on the database obeys them, not only the one that was told:
 *
 * - `send_not_before`: the receiver asked for a pause until then. Claims skip
 *   the channel meanwhile (claim.ts), and paced sends reserve slots after it.
 * - `pace_ms`: the spacing the receiver currently accepts (AIMD-style): a
 *   throttle halves the rate (doubles the spacing; a throttle to an unpaced
 *   channel starts it at THROTTLED_START_MS), each success while not held
 *   raises it by 1 message/s, and once it is back at the type's own pace the column
 *   returns to 0 (unpaced channels send without any per-send write again).
 * - `next_send_at`: the next free send slot of a paced channel (Slack, Teams,
 *   Discord, or any channel with pace_ms > 0), reserved atomically by one
 *   UPDATE … RETURNING per message, whichever worker sends it.
 */

/** First spacing of a channel that was unpaced when throttled (10/s). */
export const THROTTLED_START_MS = 100;
/** The slowest pace (one message a minute): a slower receiver is held by its Retry-After instead. */
export const MAX_PACE_MS = 60_000;
/** Each success (outside a hold) raises the allowed rate by this many messages a second (additive increase). */
const SPEED_UP_PER_S = 1;
/** An unpaced type's channel below this spacing (200/s) is unpaced again. */
const UNPACED_FLOOR_MS = 5;
/** Hold of a throttle that names no time (a bare 429). */
const DEFAULT_HOLD_MS = 1_000;

/**
 * Whether an answer is the receiver rate-limiting us rather than failing:
 * 429, a 503 with Retry-After, or a non-2xx whose rate-limit headers say the
 * budget is spent (Discord's X-RateLimit-*).
 */
export function isThrottle(result: SendResult): boolean {
  if (result.ok) return false;
  if (result.statusCode === 429) return true;
  if (result.statusCode === 503 && result.retryAfterMs !== undefined) return true;
  return result.rateLimit !== undefined && result.rateLimit.remaining <= 0 && result.statusCode !== undefined && result.statusCode < 500;
}

/**
 * How long the receiver asked the channel to wait, capped (a hostile receiver
 * cannot park a channel for a year): a throttle by the schedule's longest step
 * (its delivery waits that long), a success announcing a spent budget
 * (Discord's reset, seconds) by MAX_PACE_MS.
 */
export function holdMsOf(result: SendResult, schedule: readonly number[]): number {
  const asked = result.retryAfterMs ?? (result.rateLimit && result.rateLimit.remaining <= 0 ? result.rateLimit.resetAfterMs : DEFAULT_HOLD_MS);
  return Math.min(Math.max(0, Math.round(asked)), result.ok ? MAX_PACE_MS : Math.max(...schedule) * 1000);
}

/** The schedule's total duration: a delivery throttled for longer than this (since its first throttle) is dead. */
export const scheduleTotalMs = (schedule: readonly number[]) => schedule.reduce((a, b) => a + b, 0) * 1000;

/**
 * Holds the channel until `untilMs` for every worker. `throttle`: the receiver
 * refused (429 …): the pace is halved — once per hold, however many refusals
 * of sends already in flight arrive during it — and a healthy channel turns
 * `throttled`. Without it (a 2xx saying the budget is spent) only the hold.
 */
export async function holdChannel(
  db: DbOrTx,
  channel: { id: string; baseIntervalMs: number },
  untilMs: number,
  options: { throttle: boolean; now?: number },
): Promise<void> {
  const now = options.now ?? Date.now();
  const start = Math.max(THROTTLED_START_MS, 2 * channel.baseIntervalMs);
  const throttle = options.throttle;
  if (engineOf(db) === "sqlite") {
    const hold = prepared(
      db,
      `UPDATE channels
          SET pace_ms = CASE WHEN @throttle = 1 AND coalesce(send_not_before, 0) <= @now THEN min(@maxPace, max(@start, pace_ms * 2)) ELSE pace_ms END,
              health = CASE WHEN @throttle = 1 AND health = 'healthy' THEN 'throttled' ELSE health END,
              send_not_before = max(coalesce(send_not_before, 0), @until)
        WHERE id = @id`,
    );
    await sqliteWriteTransaction(db, () => hold.run({ id: channel.id, now, until: untilMs, start, maxPace: MAX_PACE_MS, throttle: throttle ? 1 : 0 }));
    return;
  }
  const nowAt = new Date(now);
  await db.execute(sql`UPDATE channels
     SET pace_ms = CASE WHEN ${throttle} AND coalesce(send_not_before, ${nowAt}) <= ${nowAt} THEN least(${MAX_PACE_MS}, greatest(${start}, pace_ms * 2)) ELSE pace_ms END,
         health = CASE WHEN ${throttle} AND health = 'healthy' THEN 'throttled' ELSE health END,
         send_not_before = greatest(send_not_before, ${new Date(untilMs)})
   WHERE id = ${channel.id}`);
}

/**
 * Reserves the channel's next send slot for this worker: one atomic
 * UPDATE … RETURNING, so two workers never get the same slot. The slot is the
 * later of now, the previous slot + the spacing, and the end of a hold.
 * Returns milliseconds to wait until it (0: now).
 */
export async function reserveSendSlot(db: DbOrTx, channel: { id: string; baseIntervalMs: number }, now = Date.now()): Promise<number> {
  if (engineOf(db) === "sqlite") {
    const reserve = prepared(
      db,
      `UPDATE channels
          SET next_send_at = max(coalesce(next_send_at, 0), coalesce(send_not_before, 0), @now) + max(pace_ms, @base)
        WHERE id = @id
    RETURNING next_send_at - max(pace_ms, @base) AS slot`,
    );
    const row = await sqliteWriteTransaction(db, () => reserve.get({ id: channel.id, now, base: channel.baseIntervalMs }) as { slot: number } | undefined);
    return row ? Math.max(0, row.slot - now) : 0;
  }
  const nowAt = new Date(now);
  const spacing = sql`(greatest(pace_ms, ${channel.baseIntervalMs}) * interval '1 millisecond')`;
  const [row] = await rowsOf<{ slot: Date | string }>(
    db,
    sql`UPDATE channels SET next_send_at = greatest(next_send_at, send_not_before, ${nowAt}) + ${spacing}
         WHERE id = ${channel.id}
     RETURNING next_send_at - ${spacing} AS slot`,
  );
  return row ? Math.max(0, new Date(row.slot).getTime() - now) : 0;
}

export type ChannelPacing = { paceMs: number; sendNotBefore: number | null };

/** The shared pace and hold of these channels (read at each claim, so a worker learns of another's hold). */
export async function channelPacing(db: DbOrTx, ids: readonly string[]): Promise<Map<string, ChannelPacing>> {
  const out = new Map<string, ChannelPacing>();
  if (ids.length === 0) return out;
  if (engineOf(db) === "sqlite") {
    const rows = prepared(sqliteOf(db), "SELECT id, pace_ms, send_not_before FROM channels WHERE id IN (SELECT value FROM json_each(?))").all(JSON.stringify(ids)) as {
      id: string;
      pace_ms: number;
      send_not_before: number | null;
    }[];
    for (const r of rows) out.set(r.id, { paceMs: r.pace_ms, sendNotBefore: r.send_not_before });
    return out;
  }
  const rows = await rowsOf<{ id: string; pace_ms: number; send_not_before: Date | string | null }>(
    db,
    sql`SELECT id, pace_ms, send_not_before FROM channels WHERE id = ANY(${`{${ids.join(",")}}`}::text[])`,
  );
  for (const r of rows) out.set(r.id, { paceMs: r.pace_ms, sendNotBefore: r.send_not_before === null ? null : new Date(r.send_not_before).getTime() });
  return out;
}

/**
 * Successes raise a paced channel's rate step by step (+1 message/s each) back to its
 * type's pace; there `pace_ms` returns to 0 and a `throttled` channel is
 * healthy again. Not while a hold lasts: answers to requests sent before the
 * throttle say nothing about the rate the receiver accepts now. Runs in the
 * outcome transaction, only for channels whose row had pace_ms > 0, and
 * computes from the stored value (another worker may have just halved it).
 */
export async function speedUp(tx: DbOrTx, channel: { id: string; baseIntervalMs: number }, successes: number, now: number): Promise<void> {
  // Rate r = 1000 / pace (messages a second); r + n·step as a spacing: pace·1000 / (1000 + n·step·pace).
  const add = successes * SPEED_UP_PER_S;
  const floor = Math.max(channel.baseIntervalMs, UNPACED_FLOOR_MS);
  if (engineOf(tx) === "sqlite") {
    const next = "(pace_ms * 1000.0 / (1000.0 + @add * pace_ms))";
    prepared(
      tx,
      `UPDATE channels
          SET pace_ms = CASE WHEN ${next} <= @floor THEN 0 ELSE CAST(${next} AS INTEGER) END,
              health = CASE WHEN health = 'throttled' AND ${next} <= @floor THEN 'healthy' ELSE health END
        WHERE id = @id AND pace_ms > 0 AND coalesce(send_not_before, 0) <= @now`,
    ).run({ id: channel.id, add, floor, now });
    return;
  }
  const next = sql`(pace_ms * 1000.0 / (1000.0 + ${add}::float8 * pace_ms))`;
  await tx.execute(sql`UPDATE channels
     SET pace_ms = CASE WHEN ${next} <= ${floor} THEN 0 ELSE floor(${next})::integer END,
         health = CASE WHEN health = 'throttled' AND ${next} <= ${floor} THEN 'healthy' ELSE health END
   WHERE id = ${channel.id} AND pace_ms > 0 AND coalesce(send_not_before, ${new Date(now)}) <= ${new Date(now)}`);
}
