import os from "node:os";
import { definitionOf } from "@/lib/channels/definitions";
import { sql } from "drizzle-orm";
import { engineOf, rowsOf, type DbOrTx } from "@/db/client";
import { PENDING_DELIVERY, type ChannelType } from "@/db/schema/values";

/**
 * Recovery that waits for the receiver, not for timers (issue #17 item 4).
 *
 * - A channel that answers again (failing → healthy: a success) gets its waiting
 *   retries pulled forward: the retry schedule's later steps (5 min, 30 min …)
 *   exist to spare a receiver that is down, and this one is up. They are
 *   spread over time at the channel's pace so the receiver is not flooded.
 * - A process restarted after a crash releases the leases of its dead
 *   predecessors on the same host at once instead of waiting out the lease.
 */

/** Unpaced channels (webhook, email, inbox): pulled-forward retries become due at this many a second. */
const RECOVERY_PER_SECOND = 100;

/** Retries a recovered channel's pace lets start each second: its lane's interval, or RECOVERY_PER_SECOND when unpaced. */
function recoveryRate(type: ChannelType): number {
  const { intervalMs } = definitionOf(type).lane;
  return intervalMs > 0 ? Math.max(1, Math.floor(1000 / intervalMs)) : RECOVERY_PER_SECOND;
}

/**
 * Makes the waiting retries of a channel due from `now` on, the n-th (oldest
 * due first) at now + n / rate seconds; a retry already due sooner keeps its
 * time. Only retries (attempt_count > 0): a digest still collecting waits for
 * its window. Returns how many were moved.
 */
export async function pullRetriesForward(tx: DbOrTx, channelId: string, type: ChannelType, now: number): Promise<number> {
  const rate = recoveryRate(type);
  if (engineOf(tx) === "postgres") {
    const at = new Date(now);
    const rows = await rowsOf<{ id: string }>(
      tx,
      sql`UPDATE deliveries d
             SET next_attempt_at = ${at}::timestamptz + ((r.n - 1) * 1000 / ${rate}) * interval '1 millisecond', updated_at = ${at}
            FROM (SELECT id, row_number() OVER (ORDER BY next_attempt_at, id) AS n FROM deliveries
                   WHERE ${sql.raw(PENDING_DELIVERY)} AND status = 'queued' AND next_attempt_at > ${at} AND channel_id = ${channelId} AND attempt_count > 0) r
           WHERE d.id = r.id AND d.next_attempt_at > ${at}::timestamptz + ((r.n - 1) * 1000 / ${rate}) * interval '1 millisecond'
       RETURNING d.id`,
    );
    return rows.length;
  }
  const rows = await rowsOf<{ id: string }>(
    tx,
    sql`UPDATE deliveries
           SET next_attempt_at = ${now} + ((r.n - 1) * 1000 / ${rate}), updated_at = ${now}
          FROM (SELECT id, row_number() OVER (ORDER BY next_attempt_at, id) AS n FROM deliveries
                 WHERE ${sql.raw(PENDING_DELIVERY)} AND status = 'queued' AND next_attempt_at > ${now} AND channel_id = ${channelId} AND attempt_count > 0) r
         WHERE deliveries.id = r.id AND deliveries.next_attempt_at > ${now} + ((r.n - 1) * 1000 / ${rate})
     RETURNING deliveries.id`,
  );
  return rows.length;
}

/** The host and pid of a lease owner named by dispatcher.ts' defaultOwner (`hostname:pid:random`), or null for any other name. */
function ownerProcess(owner: string): { host: string; pid: number } | null {
  const m = /^(.+):(\d+):[0-9a-f]{6}$/.exec(owner);
  return m ? { host: m[1], pid: Number(m[2]) } : null;
}

/** Whether a process with this pid exists here (EPERM: it does, under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Hands back to the queue the deliveries leased by processes of this host that
 * no longer exist (a crash, kill -9), so they go out now rather than when the
 * lease expires. Only this host's owners: a pid means nothing on another
 * machine, and several nodes may share one PostgreSQL. A reused pid reads as
 * alive: those leases simply expire as before. Returns how many were released.
 */
export async function releaseDeadPredecessorLeases(tx: DbOrTx, now = Date.now(), host = os.hostname()): Promise<number> {
  const owners = await rowsOf<{ lease_owner: string }>(
    tx,
    sql`SELECT DISTINCT lease_owner FROM deliveries WHERE ${sql.raw(PENDING_DELIVERY)} AND status = 'sending' AND lease_owner IS NOT NULL`,
  );
  const dead = owners
    .map((o) => o.lease_owner)
    .filter((owner) => {
      const p = ownerProcess(owner);
      return p !== null && p.host === host && p.pid !== process.pid && !processAlive(p.pid);
    });
  let released = 0;
  for (const owner of dead) {
    const at = engineOf(tx) === "postgres" ? new Date(now) : now;
    const rows = await rowsOf<{ id: string }>(
      tx,
      sql`UPDATE deliveries SET status = 'queued', leased_until = NULL, lease_owner = NULL, updated_at = ${at}
           WHERE ${sql.raw(PENDING_DELIVERY)} AND status = 'sending' AND lease_owner = ${owner} RETURNING id`,
    );
    released += rows.length;
  }
  return released;
}
