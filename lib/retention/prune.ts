import { and, asc, eq, gt, gte, inArray, isNull, lt, notExists, or, sql } from "drizzle-orm";
import { engineOf, rowsOf, sqliteOf, type Db } from "@/db/client";
import { attempts, auditEntries, channelHourlyCounts, deliveries, deliveryEvents, events, floodCounts, inboxItems, orgs, retentionTotals } from "@/db/schema";
import { firstIdAt } from "@/lib/ids";
import { log } from "@/lib/log";

/**
 * Retention (issue #18): what Herald keeps, and for how long.
 *
 * Past the retention window (HERALD_RETENTION_DAYS, 30 by default) go:
 * finished deliveries (delivered, failed, dead) with their attempts and event
 * links; inbox items; then events that nothing kept refers to any more. The
 * audit log has its own window (HERALD_AUDIT_RETENTION_DAYS, 365). The channels'
 * hourly counts (their "last 24 h" figures, the org overview's 7 days) are kept eight days,
 * whatever the window, and flood control's counts three (a window is at most a day; the one
 * before it is read). Never
 * deleted: a delivery still queued or being sent — an open digest is one, so
 * its events stay — and any event one of them carries.
 *
 * Deletes go in small batches, each its own short transaction, org by org
 * along the (org, time) indexes, so the write lock is never held long; and
 * the pruner rests between two batches a multiple of the batch's time, which
 * depends on what else the database is doing (`restRatio` below): it prunes
 * fast while nothing is written, and yields to ingest and delivery while they
 * write, unless the backlog is more than a day overdue. Without any rest it
 * takes SQLite's write lock back before a waiting writer wakes (the busy
 * handler sleeps 1, 2, 5, 10 … ms): the benchmark measured single-event ingest
 * falling from 7,500 to 118 events/s while it pruned.
 */

const FINISHED = ["delivered", "failed", "dead"] as const;
export const PRUNE_BATCH = 500;
/**
 * How many times as long as a batch took the pruner rests after it (docs/performance.md "Retention").
 * - `quiet`: nothing was written in the last second (no event, no attempt): it works half the time.
 * - `busy`: events or attempts are being written: it works 0.5 % of the time, so a request seldom
 *   meets a batch. At 5 % (`overdue`'s share) it cost single-event ingest's p99 × 1.5 on PostgreSQL
 *   at 10 M deliveries: a batch shares the two cores with the request, and 5 % is more than the 1 %
 *   a p99 ignores. On SQLite it is the share of the one write lock a waiting writer must sleep through.
 * - `overdue`: the oldest row of the batch is more than a day past the window, so the install is
 *   never quiet enough to keep up: it takes 5 % whatever else runs (~1,000 deliveries a second,
 *   85 M a day, on either engine).
 */
export const PRUNE_REST_RATIO = { quiet: 1, busy: 199, overdue: 19 } as const;
/** Writes this recent make the database busy for the pruner. */
const BUSY_WINDOW_MS = 1_000;
/** A backlog this far past the window no longer waits for quiet. */
const OVERDUE_MS = 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

export type RetentionPolicy = { retentionDays: number; auditRetentionDays: number };
export type PrunedRows = { deliveries: number; attempts: number; delivery_events: number; inbox_items: number; events: number; audit_entries: number };

const zero = (): PrunedRows => ({ deliveries: 0, attempts: 0, delivery_events: 0, inbox_items: 0, events: 0, audit_entries: 0 });
/** `restRatio`: a fixed ratio (tests), or "adaptive" to read the database's activity before each rest. */
type Pace = { db: Db; batch: number; restRatio: number | "adaptive" };
/** What a batch did: whether it was the last, and the time of the oldest row it deleted (or looked at). */
type Batch = { done: boolean; oldest?: Date };

/** Runs `step` until it answers done, resting between two steps a multiple of the step's time (`PRUNE_REST_RATIO`). */
async function inBatches(pace: Pace, cutoff: Date, step: () => Promise<Batch>) {
  for (;;) {
    const started = performance.now();
    const batch = await step();
    if (batch.done) return;
    const took = performance.now() - started;
    const ratio = pace.restRatio === "adaptive" ? await restRatioAfter(pace.db, cutoff, batch.oldest) : pace.restRatio;
    const restMs = took * ratio;
    await new Promise<void>((resolve) => (restMs >= 1 ? setTimeout(resolve, restMs) : setImmediate(resolve)));
  }
}

/** The rest after a batch whose oldest row was `oldest`, with `cutoff` the window's start (`PRUNE_REST_RATIO`). */
export async function restRatioAfter(db: Db, cutoff: Date, oldest: Date | undefined, now = Date.now()): Promise<number> {
  if (oldest && oldest.getTime() < cutoff.getTime() - OVERDUE_MS) return PRUNE_REST_RATIO.overdue;
  return (await writersActive(db, now)) ? PRUNE_REST_RATIO.busy : PRUNE_REST_RATIO.quiet;
}

/**
 * Whether any event or attempt was written in the last second, by any node: ids are time-ordered
 * (lib/ids.ts), so each is one primary-key range probe. The range's upper end (a minute ahead, for
 * clocks a little apart) leaves out ids made before ids were time-ordered, which sort anywhere.
 */
export async function writersActive(db: Db, now = Date.now()): Promise<boolean> {
  const recent = async (table: typeof events | typeof attempts, prefix: string) =>
    (
      await db
        .select({ id: table.id })
        .from(table)
        .where(and(gte(table.id, firstIdAt(prefix, now - BUSY_WINDOW_MS)), lt(table.id, firstIdAt(prefix, now + 60_000))))
        .limit(1)
    ).length > 0;
  return (await recent(events, "evt")) || (await recent(attempts, "att"));
}

/** How long channel_hourly_counts rows are kept: the overview's 7-day chart, and a day to spare for its first hour. */
const HOURLY_COUNTS_DAYS = 8;

/** Deletes what is past the window, in batches of `batch` with rests between them; returns the rows deleted per table. */
export async function pruneOnce(db: Db, policy: RetentionPolicy, options: { now?: number; batch?: number; restRatio?: number } = {}): Promise<PrunedRows> {
  const now = options.now ?? Date.now();
  const pace: Pace = { db, batch: options.batch ?? PRUNE_BATCH, restRatio: options.restRatio ?? "adaptive" };
  const cutoff = new Date(now - policy.retentionDays * DAY_MS);
  const auditCutoff = new Date(now - policy.auditRetentionDays * DAY_MS);
  const pruned = zero();
  for (const { id: orgId, retentionDays } of await db.select({ id: orgs.id, retentionDays: orgs.retentionDays }).from(orgs)) {
    // An owner may keep less than the instance (Settings → Data retention), never more.
    const orgCutoff = retentionDays && retentionDays < policy.retentionDays ? new Date(now - retentionDays * DAY_MS) : cutoff;
    await pruneDeliveries(db, orgId, orgCutoff, pace, pruned);
    await pruneInbox(db, orgId, orgCutoff, pace, pruned);
    await pruneEvents(db, orgId, orgCutoff, pace, pruned);
    await pruneAudit(db, orgId, auditCutoff, pace, pruned);
  }
  // The instance's own entries (first-run setup, sign-ins before an org is chosen).
  await pruneAudit(db, null, auditCutoff, pace, pruned);
  // Read for the channels' last 24 h and the org overview's last 7 days (lib/overview/org-overview.ts):
  // kept 8 days, whatever the retention window (counts, no content). A few rows per channel and hour,
  // so one statement (no index on hour alone).
  await db.delete(channelHourlyCounts).where(lt(channelHourlyCounts.hour, new Date(now - HOURLY_COUNTS_DAYS * DAY_MS)));
  await db.delete(floodCounts).where(lt(floodCounts.windowStart, new Date(now - 3 * DAY_MS)));
  return pruned;
}

async function pruneDeliveries(db: Db, orgId: string, cutoff: Date, pace: Pace, pruned: PrunedRows) {
  await inBatches(pace, cutoff, () =>
    db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: deliveries.id, at: deliveries.createdAt })
        .from(deliveries)
        .where(and(eq(deliveries.orgId, orgId), lt(deliveries.createdAt, cutoff), inArray(deliveries.status, [...FINISHED])))
        .orderBy(asc(deliveries.createdAt))
        .limit(pace.batch);
      const ids = rows.map((r) => r.id);
      if (!ids.length) return { done: true };
      pruned.attempts += await deleted(tx.delete(attempts).where(inArray(attempts.deliveryId, ids)));
      pruned.delivery_events += await deleted(tx.delete(deliveryEvents).where(inArray(deliveryEvents.deliveryId, ids)));
      // Re-checked in the statement: a delivery that is not finished is never deleted.
      pruned.deliveries += await deleted(tx.delete(deliveries).where(and(inArray(deliveries.id, ids), inArray(deliveries.status, [...FINISHED]))));
      return { done: ids.length < pace.batch, oldest: rows[0].at };
    }),
  );
}

async function pruneInbox(db: Db, orgId: string, cutoff: Date, pace: Pace, pruned: PrunedRows) {
  await inBatches(pace, cutoff, async () => {
    const rows = await db
      .select({ id: inboxItems.id, at: inboxItems.createdAt })
      .from(inboxItems)
      .where(and(eq(inboxItems.orgId, orgId), lt(inboxItems.createdAt, cutoff)))
      .limit(pace.batch);
    const ids = rows.map((r) => r.id);
    if (!ids.length) return { done: true };
    pruned.inbox_items += await deleted(db.delete(inboxItems).where(inArray(inboxItems.id, ids)));
    // Unordered (no index by org and time): the oldest of this batch stands for the backlog.
    const oldest = rows.reduce((a, r) => (r.at < a ? r.at : a), rows[0].at);
    return { done: ids.length < pace.batch, oldest };
  });
}

/** Events past the window that no delivery (pending, or younger than the window) and no inbox item refers to. */
async function pruneEvents(db: Db, orgId: string, cutoff: Date, pace: Pace, pruned: PrunedRows) {
  let after: { at: Date; id: string } | null = null;
  await inBatches(pace, cutoff, async () => {
    const unreferenced = and(
      notExists(
        db
          .select({ one: sql`1` })
          .from(deliveryEvents)
          .where(eq(deliveryEvents.eventId, events.id)),
      ),
      notExists(
        db
          .select({ one: sql`1` })
          .from(inboxItems)
          .where(eq(inboxItems.eventId, events.id)),
      ),
    );
    // Walks the org's old events once (keyset), so the ones kept are not read again batch after batch.
    const page: { id: string; at: Date }[] = await db
      .select({ id: events.id, at: events.receivedAt })
      .from(events)
      .where(
        and(
          eq(events.orgId, orgId),
          lt(events.receivedAt, cutoff),
          after ? or(gt(events.receivedAt, after.at), and(eq(events.receivedAt, after.at), gt(events.id, after.id))) : undefined,
        ),
      )
      .orderBy(asc(events.receivedAt), asc(events.id))
      .limit(pace.batch);
    if (!page.length) return { done: true };
    after = { at: page[page.length - 1].at, id: page[page.length - 1].id };
    // Checked again inside the DELETE: an event a new digest picked up meanwhile stays.
    pruned.events += await deleted(
      db.delete(events).where(
        and(
          inArray(
            events.id,
            page.map((e) => e.id),
          ),
          unreferenced,
        ),
      ),
    );
    return { done: page.length < pace.batch, oldest: page[0].at };
  });
}

async function pruneAudit(db: Db, orgId: string | null, cutoff: Date, pace: Pace, pruned: PrunedRows) {
  const ofOrg = orgId === null ? isNull(auditEntries.orgId) : eq(auditEntries.orgId, orgId);
  await inBatches(pace, cutoff, async () => {
    const rows = await db
      .select({ id: auditEntries.id, at: auditEntries.createdAt })
      .from(auditEntries)
      .where(and(ofOrg, lt(auditEntries.createdAt, cutoff)))
      .orderBy(asc(auditEntries.createdAt))
      .limit(pace.batch);
    const ids = rows.map((r) => r.id);
    if (!ids.length) return { done: true };
    pruned.audit_entries += await deleted(db.delete(auditEntries).where(inArray(auditEntries.id, ids)));
    return { done: ids.length < pace.batch, oldest: rows[0].at };
  });
}

/** Rows a DELETE removed, on either engine. */
async function deleted(statement: PromiseLike<unknown>): Promise<number> {
  const result = (await statement) as { changes?: number; rowCount?: number | null };
  return Number(result.changes ?? result.rowCount ?? 0);
}

/** SQLite: gives back up to `pages` free pages to the file system (a database created with auto_vacuum = INCREMENTAL). */
export function returnFreePages(db: Db, pages = 2_000) {
  if (engineOf(db) !== "sqlite") return;
  const sqlite = sqliteOf(db);
  if (Number(sqlite.pragma("auto_vacuum", { simple: true })) !== 2) return;
  sqlite.pragma(`incremental_vacuum(${pages})`);
}

/** The database's size on disk, in bytes. */
export async function databaseSizeBytes(db: Db): Promise<number> {
  if (engineOf(db) === "sqlite") {
    const sqlite = sqliteOf(db);
    return Number(sqlite.pragma("page_count", { simple: true })) * Number(sqlite.pragma("page_size", { simple: true }));
  }
  const [row] = await rowsOf<{ n: string }>(db, sql`SELECT pg_database_size(current_database()) AS n`);
  return Number(row?.n ?? 0);
}

function logPruned(pruned: PrunedRows) {
  const total = Object.values(pruned).reduce((a, b) => a + b, 0);
  if (total) log.info("retention: pruned", pruned);
}

/** How often a worker looks whether a pruning pass is due; one pass per interval across every node. */
export const PRUNE_INTERVAL_MS = 10 * 60_000;

/**
 * One pruning pass if none ran in the last interval, by any process: the
 * `retention_totals` row is the lease (the UPDATE that moves its time is taken
 * by one node only), so several nodes on one database never prune at once.
 * Adds what was deleted to the totals the metrics report. Null: not due.
 */
export async function runRetention(db: Db, policy: RetentionPolicy, now = Date.now()): Promise<PrunedRows | null> {
  await db.insert(retentionTotals).values({ id: "prune", pruned: {} }).onConflictDoNothing();
  const due = new Date(now - PRUNE_INTERVAL_MS * 0.9);
  const taken = await db
    .update(retentionTotals)
    .set({ lastRunAt: new Date(now) })
    .where(and(eq(retentionTotals.id, "prune"), or(isNull(retentionTotals.lastRunAt), lt(retentionTotals.lastRunAt, due))))
    .returning({ id: retentionTotals.id });
  if (!taken.length) return null;
  const pruned = await pruneOnce(db, policy, { now });
  await db.transaction(async (tx) => {
    const [row] = await tx.select({ pruned: retentionTotals.pruned }).from(retentionTotals).where(eq(retentionTotals.id, "prune"));
    const totals = { ...(row?.pruned ?? {}) };
    for (const [table, n] of Object.entries(pruned)) totals[table] = (totals[table] ?? 0) + n;
    await tx.update(retentionTotals).set({ pruned: totals }).where(eq(retentionTotals.id, "prune"));
  });
  returnFreePages(db);
  logPruned(pruned);
  return pruned;
}

/** herald_pruned_rows_total per table, from the totals row. */
export async function prunedTotals(db: Db): Promise<Record<string, number>> {
  const [row] = await db.select({ pruned: retentionTotals.pruned }).from(retentionTotals).where(eq(retentionTotals.id, "prune"));
  return { ...zero(), ...(row?.pruned ?? {}) };
}
