import { and, asc, eq, gt, inArray, isNull, lt, notExists, or, sql } from "drizzle-orm";
import { engineOf, rowsOf, sqliteOf, type Db } from "@/db/client";
import { attempts, auditEntries, channelHourlyCounts, deliveries, deliveryEvents, events, floodCounts, inboxItems, orgs, retentionTotals } from "@/db/schema";
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
 * the pruner rests between two batches PRUNE_REST_RATIO times as long as the
 * batch took, so that it holds SQLite's write lock a small share of the time.
 * Without the rest it takes the lock back before a waiting writer wakes
 * (SQLite's busy handler sleeps 1, 2, 5, 10 … ms): the benchmark measured
 * single-event ingest falling from 7,500 to 118 events/s while it pruned.
 * At its share it still deletes thousands of deliveries a second, far more
 * than an install on one SQLite file writes.
 */

const FINISHED = ["delivered", "failed", "dead"] as const;
export const PRUNE_BATCH = 500;
/**
 * How many times as long as a batch took the pruner rests after it: it works 5 % of the time.
 * On SQLite that is its share of the one write lock (~1,000 deliveries/s pruned, 85 M a day).
 * PostgreSQL locks only the old rows, but a batch still takes CPU and I/O from ingest and
 * delivery: at 4× (a fifth of the time) single-event ingest p99 went from 1.8 to 4.0 ms at 10 M
 * deliveries, so it rests as long (docs/performance.md "Retention").
 */
const PRUNE_REST_RATIO = 19;
const DAY_MS = 24 * 3600 * 1000;

export type RetentionPolicy = { retentionDays: number; auditRetentionDays: number };
export type PrunedRows = { deliveries: number; attempts: number; delivery_events: number; inbox_items: number; events: number; audit_entries: number };

const zero = (): PrunedRows => ({ deliveries: 0, attempts: 0, delivery_events: 0, inbox_items: 0, events: 0, audit_entries: 0 });
type Pace = { batch: number; restRatio: number };

/** Runs `step` until it answers done, resting between two steps `restRatio` times as long as the step took. */
async function inBatches(pace: Pace, step: () => Promise<boolean>) {
  for (;;) {
    const started = performance.now();
    if (await step()) return;
    const restMs = (performance.now() - started) * pace.restRatio;
    await new Promise<void>((resolve) => (restMs >= 1 ? setTimeout(resolve, restMs) : setImmediate(resolve)));
  }
}

/** How long channel_hourly_counts rows are kept: the overview's 7-day chart, and a day to spare for its first hour. */
const HOURLY_COUNTS_DAYS = 8;

/** Deletes what is past the window, in batches of `batch` with rests between them; returns the rows deleted per table. */
export async function pruneOnce(db: Db, policy: RetentionPolicy, options: { now?: number; batch?: number; restRatio?: number } = {}): Promise<PrunedRows> {
  const now = options.now ?? Date.now();
  const pace: Pace = { batch: options.batch ?? PRUNE_BATCH, restRatio: options.restRatio ?? PRUNE_REST_RATIO };
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
  await inBatches(pace, () =>
    db.transaction(async (tx) => {
      const ids = (
        await tx
          .select({ id: deliveries.id })
          .from(deliveries)
          .where(and(eq(deliveries.orgId, orgId), lt(deliveries.createdAt, cutoff), inArray(deliveries.status, [...FINISHED])))
          .orderBy(asc(deliveries.createdAt))
          .limit(pace.batch)
      ).map((r) => r.id);
      if (!ids.length) return true;
      pruned.attempts += await deleted(tx.delete(attempts).where(inArray(attempts.deliveryId, ids)));
      pruned.delivery_events += await deleted(tx.delete(deliveryEvents).where(inArray(deliveryEvents.deliveryId, ids)));
      // Re-checked in the statement: a delivery that is not finished is never deleted.
      pruned.deliveries += await deleted(tx.delete(deliveries).where(and(inArray(deliveries.id, ids), inArray(deliveries.status, [...FINISHED]))));
      return ids.length < pace.batch;
    }),
  );
}

async function pruneInbox(db: Db, orgId: string, cutoff: Date, pace: Pace, pruned: PrunedRows) {
  await inBatches(pace, async () => {
    const ids = (
      await db
        .select({ id: inboxItems.id })
        .from(inboxItems)
        .where(and(eq(inboxItems.orgId, orgId), lt(inboxItems.createdAt, cutoff)))
        .limit(pace.batch)
    ).map((r) => r.id);
    if (!ids.length) return true;
    pruned.inbox_items += await deleted(db.delete(inboxItems).where(inArray(inboxItems.id, ids)));
    return ids.length < pace.batch;
  });
}

/** Events past the window that no delivery (pending, or younger than the window) and no inbox item refers to. */
async function pruneEvents(db: Db, orgId: string, cutoff: Date, pace: Pace, pruned: PrunedRows) {
  let after: { at: Date; id: string } | null = null;
  await inBatches(pace, async () => {
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
    if (!page.length) return true;
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
    return page.length < pace.batch;
  });
}

async function pruneAudit(db: Db, orgId: string | null, cutoff: Date, pace: Pace, pruned: PrunedRows) {
  const ofOrg = orgId === null ? isNull(auditEntries.orgId) : eq(auditEntries.orgId, orgId);
  await inBatches(pace, async () => {
    const ids = (
      await db
        .select({ id: auditEntries.id })
        .from(auditEntries)
        .where(and(ofOrg, lt(auditEntries.createdAt, cutoff)))
        .orderBy(asc(auditEntries.createdAt))
        .limit(pace.batch)
    ).map((r) => r.id);
    if (!ids.length) return true;
    pruned.audit_entries += await deleted(db.delete(auditEntries).where(inArray(auditEntries.id, ids)));
    return ids.length < pace.batch;
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
