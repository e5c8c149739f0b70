import { sql } from "drizzle-orm";
import { column, engineOf, prepared, rowsOf, sqliteOf, sqliteWriteTransaction, type DbOrTx } from "@/db/client";
import { MAX_PACE_MS, SPEED_UP, THROTTLED_START_MS, UNPACED_FLOOR_MS } from "./policy";

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
 *   raises it step by step (+5 messages/s for each second of successes), and once it is back at the type's own pace the column
 *   returns to 0 (unpaced channels send without any per-send write again).
 * - `next_send_at`: when the next message of a paced channel (Slack, Teams,
 *   Discord, or any channel with pace_ms > 0) may start, taken atomically by
 *   one UPDATE … RETURNING per message, whichever worker sends it.
 */

// Its numbers (THROTTLED_START_MS, MAX_PACE_MS, SPEED_UP, UNPACED_FLOOR_MS), what counts as a throttle
// (isThrottle) and how long a hold lasts (holdMsOf) are delivery policy: lib/dispatch/policy.ts.

/**
 * Holds the channel until `untilMs` for every worker. `throttle`: the receiver
 * refused (429 …) a request started at `startedAt`: the rate is halved — but
 * only by a request started after the last hold ended, so the refusals of a
 * burst already on the wire count once — and a healthy channel turns
 * `throttled`. Without it (a 2xx saying the budget is spent) only the hold.
 */
export async function holdChannel(
  db: DbOrTx,
  channel: { id: string; baseIntervalMs: number },
  untilMs: number,
  options: { throttle: boolean; startedAt: number },
): Promise<void> {
  const now = options.startedAt;
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
 * Takes the channel's send slot for this worker if it is free now: one
 * atomic compare-and-set (UPDATE … WHERE next_send_at <= now … RETURNING), so
 * two workers never send in the same slot, and the next slot is measured from
 * the send that actually starts (a late timer never squeezes two sends
 * together). Returns 0 when taken — send now — or the milliseconds until the
 * slot (or the hold) ends: wait that long and ask again.
 */
export async function takeSendSlot(db: DbOrTx, channel: { id: string; baseIntervalMs: number }): Promise<number> {
  if (engineOf(db) === "sqlite") {
    const take = prepared(
      db,
      `UPDATE channels SET next_send_at = @now + max(pace_ms, @base)
        WHERE id = @id AND coalesce(next_send_at, 0) <= @now AND coalesce(send_not_before, 0) <= @now
    RETURNING id`,
    );
    const busy = prepared(db, "SELECT max(coalesce(next_send_at, 0), coalesce(send_not_before, 0)) AS until FROM channels WHERE id = ?");
    return sqliteWriteTransaction(db, () => {
      // The time is read once the write lock is ours: a slot measured from before a wait in the queue would be stale.
      const now = Date.now();
      if (take.get({ id: channel.id, now, base: channel.baseIntervalMs })) return 0;
      const row = busy.get(channel.id) as { until: number } | undefined;
      return row ? Math.max(1, row.until - now) : 0; // a deleted channel: the send finds out
    });
  }
  const now = Date.now();
  const nowAt = new Date(now);
  const taken = await rowsOf<{ id: string }>(
    db,
    sql`UPDATE channels SET next_send_at = ${nowAt}::timestamptz + (greatest(pace_ms, ${channel.baseIntervalMs}) * interval '1 millisecond')
         WHERE id = ${channel.id} AND coalesce(next_send_at, ${nowAt}) <= ${nowAt} AND coalesce(send_not_before, ${nowAt}) <= ${nowAt}
     RETURNING id`,
  );
  if (taken.length) return 0;
  const [row] = await rowsOf<{ until: Date | string | null }>(
    db,
    sql`SELECT greatest(next_send_at, send_not_before) AS until FROM channels WHERE id = ${channel.id}`,
  );
  return row?.until ? Math.max(1, new Date(row.until).getTime() - now) : 0;
}

export type ChannelPacing = { paceMs: number; sendNotBefore: number | null };

/** The shared pace and hold of these channels (read at each claim, so a worker learns of another's hold). */
export async function channelPacing(db: DbOrTx, ids: readonly string[]): Promise<Map<string, ChannelPacing>> {
  const out = new Map<string, ChannelPacing>();
  if (ids.length === 0) return out;
  if (engineOf(db) === "sqlite") {
    const rows = prepared(sqliteOf(db), "SELECT id, pace_ms, send_not_before FROM channels WHERE id IN (SELECT value FROM json_each(?))").all(
      JSON.stringify(ids),
    ) as {
      id: string;
      pace_ms: number;
      send_not_before: number | null;
    }[];
    for (const r of rows) out.set(r.id, { paceMs: r.pace_ms, sendNotBefore: r.send_not_before });
    return out;
  }
  const rows = await rowsOf<{ id: string; pace_ms: number; send_not_before: Date | string | null }>(
    db,
    sql`SELECT id, pace_ms, send_not_before FROM channels WHERE id = ANY(${column(ids)}::text[])`,
  );
  for (const r of rows) out.set(r.id, { paceMs: r.pace_ms, sendNotBefore: r.send_not_before === null ? null : new Date(r.send_not_before).getTime() });
  return out;
}

/**
 * Successes raise a paced channel's rate step by step (+5 messages/s per second of them) back to its
 * type's pace; there `pace_ms` returns to 0 and a `throttled` channel is
 * healthy again. Not while a hold lasts: answers to requests sent before the
 * throttle say nothing about the rate the receiver accepts now. Runs in the
 * outcome transaction, only for channels whose row had pace_ms > 0, and
 * computes from the stored value (another worker may have just halved it).
 */
export async function speedUp(tx: DbOrTx, channel: { id: string; baseIntervalMs: number }, successes: number, now: number): Promise<void> {
  // Rate r = 1000 / pace (messages a second); n successes make it r + n·SPEED_UP/r, as a spacing:
  // pace·10⁶ / (10⁶ + n·SPEED_UP·pace²).
  const add = successes * SPEED_UP;
  const floor = Math.max(channel.baseIntervalMs, UNPACED_FLOOR_MS);
  if (engineOf(tx) === "sqlite") {
    const next = "(pace_ms * 1000000.0 / (1000000.0 + @add * pace_ms * pace_ms))";
    prepared(
      tx,
      `UPDATE channels
          SET pace_ms = CASE WHEN ${next} <= @floor THEN 0 ELSE CAST(${next} AS INTEGER) END,
              health = CASE WHEN health = 'throttled' AND ${next} <= @floor THEN 'healthy' ELSE health END
        WHERE id = @id AND pace_ms > 0 AND coalesce(send_not_before, 0) <= @now`,
    ).run({ id: channel.id, add, floor, now });
    return;
  }
  const next = sql`(pace_ms * 1000000.0 / (1000000.0 + ${add}::float8 * pace_ms * pace_ms))`;
  await tx.execute(sql`UPDATE channels
     SET pace_ms = CASE WHEN ${next} <= ${floor} THEN 0 ELSE floor(${next})::integer END,
         health = CASE WHEN health = 'throttled' AND ${next} <= ${floor} THEN 'healthy' ELSE health END
   WHERE id = ${channel.id} AND pace_ms > 0 AND coalesce(send_not_before, ${new Date(now)}) <= ${new Date(now)}`);
}
