import type Database from "better-sqlite3";
import { sql } from "drizzle-orm";
import { engineOf, prepared, rowsOf, sqliteOf, type Db } from "@/db/client";
import { CHANNEL_HEALTH, PENDING_DELIVERY } from "@/db/schema/values";
import { databaseSizeBytes, prunedTotals } from "@/lib/retention/prune";
import { storageFailure } from "./storage-health";

/**
 * GET /api/metrics in the Prometheus text format (0.0.4). Everything is read
 * from the database, so the numbers are the same whichever process — the
 * server, a standalone worker, the dispatch route — did the sending.
 */

type AttemptTotals = {
  /** "outcome\tchannel type" → attempts. */
  byOutcome: Map<string, number>;
  latency: Map<string, { buckets: number[]; sumMs: number; count: number }>;
};

const sqliteTotals = new WeakMap<Database.Database, AttemptTotals & { throughRowid: number }>();

/**
 * The attempt counters. On SQLite they are kept per connection and brought up
 * to date from the attempts added since the last scrape (attempts are only
 * ever inserted, with growing rowids): a scrape reads the new attempts, not
 * the whole history. On PostgreSQL, where several nodes insert attempts at
 * once and no such cursor is safe, each scrape counts them all (one indexed
 * aggregate; retention keeps the table bounded).
 */
async function attemptTotals(db: Db): Promise<AttemptTotals> {
  const bucketSql = (sum: (cond: string) => string) => LATENCY_BUCKETS.map((b, i) => `${sum(`a.duration_ms <= ${Math.round(b * 1000)}`)} AS b${i}`).join(", ");
  const joined = "FROM attempts a JOIN deliveries d ON d.id = a.delivery_id JOIN channels c ON c.id = d.channel_id";
  const add = (totals: AttemptTotals, byOutcome: { outcome: string; type: string; n: number | string }[], latency: Record<string, number | string>[]) => {
    for (const r of byOutcome) {
      const key = `${r.outcome}\t${r.type}`;
      totals.byOutcome.set(key, (totals.byOutcome.get(key) ?? 0) + Number(r.n));
    }
    for (const r of latency) {
      const type = String(r.type);
      let h = totals.latency.get(type);
      if (!h) totals.latency.set(type, (h = { buckets: LATENCY_BUCKETS.map(() => 0), sumMs: 0, count: 0 }));
      LATENCY_BUCKETS.forEach((_, i) => (h.buckets[i] += Number(r[`b${i}`])));
      h.sumMs += Number(r.total);
      h.count += Number(r.n);
    }
    return totals;
  };
  if (engineOf(db) === "postgres") {
    const byOutcome = await rowsOf<{ outcome: string; type: string; n: string }>(
      db,
      sql.raw(`SELECT a.outcome, c.type, count(*) AS n ${joined} GROUP BY a.outcome, c.type`),
    );
    const latency = await rowsOf<Record<string, string>>(
      db,
      sql.raw(
        `SELECT c.type, ${bucketSql((cond) => `count(*) FILTER (WHERE ${cond})`)}, coalesce(sum(a.duration_ms), 0) AS total, count(*) AS n ${joined} GROUP BY c.type`,
      ),
    );
    return add({ byOutcome: new Map(), latency: new Map() }, byOutcome, latency);
  }
  const sqlite = sqliteOf(db);
  let totals = sqliteTotals.get(sqlite);
  if (!totals) sqliteTotals.set(sqlite, (totals = { throughRowid: 0, byOutcome: new Map(), latency: new Map() }));
  const through = (prepared(sqlite, "SELECT coalesce(max(rowid), 0) AS m FROM attempts").get() as { m: number }).m;
  if (through <= totals.throughRowid) return totals;
  const range = { from: totals.throughRowid, through };
  const newer = `${joined} WHERE a.rowid > @from AND a.rowid <= @through`;
  add(
    totals,
    prepared(sqlite, `SELECT a.outcome, c.type, count(*) AS n ${newer} GROUP BY a.outcome, c.type`).all(range) as {
      outcome: string;
      type: string;
      n: number;
    }[],
    prepared(sqlite, `SELECT c.type, ${bucketSql((cond) => `sum(${cond})`)}, sum(a.duration_ms) AS total, count(*) AS n ${newer} GROUP BY c.type`).all(
      range,
    ) as Record<string, number>[],
  );
  totals.throughRowid = through;
  return totals;
}

/** Upper bounds of the attempt latency histogram, in seconds. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

const label = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labels = (pairs: Record<string, string>) =>
  `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(",")}}`;

export async function renderMetrics(db: Db, now = Date.now()): Promise<string> {
  const count = (rows: { n: number | string }[]) => Number(rows[0]?.n ?? 0);
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  metric("herald_queue_depth", "gauge", "Deliveries waiting (queued) or being sent (sending).");
  const depth = await rowsOf<{ status: string; n: number | string }>(
    db,
    sql.raw(`SELECT status, count(*) AS n FROM deliveries WHERE ${PENDING_DELIVERY} GROUP BY status`),
  );
  for (const status of ["queued", "sending"]) lines.push(`herald_queue_depth${labels({ status })} ${depth.find((d) => d.status === status)?.n ?? 0}`);

  metric("herald_queue_due", "gauge", "Queued deliveries whose next attempt is due now.");
  const dueBefore = engineOf(db) === "postgres" ? new Date(now) : now;
  lines.push(
    `herald_queue_due ${count(await rowsOf(db, sql`SELECT count(*) AS n FROM deliveries WHERE ${sql.raw(PENDING_DELIVERY)} AND status = 'queued' AND next_attempt_at <= ${dueBefore}`))}`,
  );

  metric("herald_deliveries", "gauge", "Deliveries by status and channel type.");
  for (const r of await rowsOf<{ status: string; type: string; n: number | string }>(
    db,
    sql`SELECT d.status, c.type, count(*) AS n FROM deliveries d JOIN channels c ON c.id = d.channel_id GROUP BY d.status, c.type ORDER BY 1, 2`,
  )) {
    lines.push(`herald_deliveries${labels({ status: r.status, channel_type: r.type })} ${r.n}`);
  }

  const totals = await attemptTotals(db);
  metric("herald_attempts_total", "counter", "Delivery attempts by outcome and channel type.");
  for (const [key, n] of [...totals.byOutcome].sort(([a], [b]) => a.localeCompare(b))) {
    const [outcome, type] = key.split("\t");
    lines.push(`herald_attempts_total${labels({ outcome, channel_type: type })} ${n}`);
  }

  metric("herald_attempt_duration_seconds", "histogram", "How long delivery attempts took, by channel type.");
  for (const [type, h] of [...totals.latency].sort(([a], [b]) => a.localeCompare(b))) {
    LATENCY_BUCKETS.forEach((b, i) => lines.push(`herald_attempt_duration_seconds_bucket${labels({ channel_type: type, le: String(b) })} ${h.buckets[i]}`));
    lines.push(`herald_attempt_duration_seconds_bucket${labels({ channel_type: type, le: "+Inf" })} ${h.count}`);
    lines.push(`herald_attempt_duration_seconds_sum${labels({ channel_type: type })} ${h.sumMs / 1000}`);
    lines.push(`herald_attempt_duration_seconds_count${labels({ channel_type: type })} ${h.count}`);
  }

  metric("herald_channels", "gauge", "Channels by health.");
  const health = await rowsOf<{ health: string; n: number | string }>(db, sql`SELECT health, count(*) AS n FROM channels GROUP BY health`);
  for (const h of CHANNEL_HEALTH) lines.push(`herald_channels${labels({ health: h })} ${health.find((x) => x.health === h)?.n ?? 0}`);

  metric(
    "herald_storage_healthy",
    "gauge",
    "0 from the first failed database write of this process (or its start's write probe) until writes work again, 1 otherwise.",
  );
  lines.push(`herald_storage_healthy ${storageFailure() ? 0 : 1}`);

  metric("herald_pruned_rows_total", "counter", "Rows deleted by retention (HERALD_RETENTION_DAYS, HERALD_AUDIT_RETENTION_DAYS), by table.");
  for (const [table, n] of Object.entries(await prunedTotals(db))) lines.push(`herald_pruned_rows_total${labels({ table })} ${n}`);

  metric("herald_db_size_bytes", "gauge", "The database's size on disk (SQLite: the file's pages; PostgreSQL: pg_database_size).");
  lines.push(`herald_db_size_bytes ${await databaseSizeBytes(db)}`);
  return lines.join("\n") + "\n";
}
