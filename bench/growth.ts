/**
 * The growth scenario's measuring side (issue #18), run in its own child
 * process with the sandbox's environment (HERALD_DATA_DIR, DATABASE_URL), so
 * the project's env and db modules open that database and nothing else.
 *
 * Two copies of a database seeded with an org, 3 webhook channels and a rule
 * sending `log.entry` to all three (bench/seed.ts, `server`): it writes `rows`
 * finished deliveries of history by SQL into one, then measures the (nearly)
 * empty one and the grown one in turn, `rounds` times, so that whatever else
 * the machine does meanwhile weighs on both alike:
 *
 * - ingest, single events and batches of 500, through `ingestEvents` (what
 *   `POST /api/v1/events` calls; in-process, so without HTTP);
 * - claim and delivery: the events just ingested (3 deliveries each) drained
 *   by the project's dispatcher (`dispatchOnce`) to the benchmark's receiver;
 * - CPU time of this process per event and per delivery for both (far less
 *   sensitive to other load on the machine than a rate);
 * - the console's pages: the query functions the delivery log and the events
 *   page call (`listDeliveries`, `listEvents`), median of several runs;
 * - bytes per delivery: what the database grew by per delivery ingested
 *   (and, seeded, its whole size over its deliveries);
 * - the same on the seeded copy *while its history is pruned*: a second
 *   process runs the retention pass (`pruneOnce`, as a worker does) with a
 *   clock set so that the history's first 23 hours are past the window (a
 *   backlog a running install meets: none of it a day overdue, so the pruner
 *   yields to writers). Ingest and delivery must stay within 10 % of the
 *   seeded figures without pruning (issue #18). Then once more with a clock
 *   that puts all of the history, and nothing ingested since, past the window
 *   (most of it days overdue: the pruner takes its fixed share), reported
 *   without a target.
 *
 * The SQL that writes history differs per engine and sits side by side below.
 */
import { count, lt, min, sql } from "drizzle-orm";
import { deliveries } from "@/db/schema";
import { closeDb, engineOf, migratePostgres, openPostgres, openSqlite, rowsOf, setDb, sqliteOf, type Db } from "@/db/client";
import { dispatchOnce } from "@/lib/dispatch/run";
import { listDeliveries } from "@/lib/dispatch/delivery-log";
import { listEvents } from "@/lib/events/event-log";
import { ingestEvents } from "@/lib/events/ingest";
import { PRUNE_BATCH, pruneOnce, returnFreePages } from "@/lib/retention/prune";
import { deliveryFiltersSchema } from "@/lib/validation/deliveries";
import { eventFiltersSchema } from "@/lib/validation/event-log";
import type { EventInput } from "@/lib/validation/events";
import { forkTs, isMainModule, nextMessage, stopChild } from "./lib/processes";
import { BENCH_EVENT_TYPE } from "./seed";

export type GrowthJob = {
  /** The two copies: SQLite file paths or PostgreSQL URLs. History goes into `seeded`. */
  databases: { empty: string; seeded: string };
  orgId: string;
  channelIds: string[];
  /** Finished deliveries of history to write between the two measurements. */
  rows: number;
  /** Single events ingested one call at a time, per measurement. */
  singleEvents: number;
  /** Batches of 500 events ingested, per measurement. */
  batches: number;
  /** Timed runs of each page query (after one untimed run); the median is kept. */
  pageRuns: number;
  /** Longest a drain may take before its rate is taken over what it did. */
  drainCapMs: number;
  /** Measurements of each database, alternating; figures are the medians. */
  rounds: number;
};

export const PAGE_KEYS = ["deliveriesFirstPage", "deliveriesByChannel", "deliveriesByStatus", "deliveriesByEvent", "eventsFirstPage"] as const;
export type PageKey = (typeof PAGE_KEYS)[number];

export type GrowthMeasurement = {
  /** Deliveries in the database when the measurement started. */
  deliveriesBefore: number;
  ingestSingle: { eventsPerSecond: number; p99Ms: number; cpuMicrosPerEvent: number };
  ingestBatch: { eventsPerSecond: number; cpuMicrosPerEvent: number };
  /** cpuMicrosPerDelivery: this process's CPU (claims, rendering, signing, sending, outcomes), not the receiver's. */
  delivery: { deliveries: number; seconds: number; deliveriesPerSecond: number; delivered: number; cpuMicrosPerDelivery: number };
  /** Median ms of each page query, and every run's ms. */
  pages: Record<PageKey, { medianMs: number; runsMs: number[]; rows: number }>;
  /** Database growth per delivery ingested during this measurement (events, links and attempts included). */
  bytesPerDeliveryAdded: number;
  /** The database's size over its deliveries at the end of the measurement. */
  bytesPerDelivery: number;
  databaseBytes: number;
};

/** What the pruner deleted while one measurement ran, and how much history it had still to go. */
export type PruningRun = { deliveriesPruned: number; seconds: number; backlogLeft: number };

export type GrowthResult = {
  empty: GrowthMeasurement[];
  seeded: GrowthMeasurement[];
  history: { rows: number; seconds: number };
  /**
   * The seeded copy measured again, round by round, while the history is pruned: `pruning` with a
   * backlog of less than a day past the window (what a running install meets: the pruner yields to
   * writers), `overduePruning` with all of it past the window, most of it by days (the pruner takes
   * its fixed 5 % share; lib/retention/prune.ts PRUNE_REST_RATIO).
   */
  pruning: { measurements: GrowthMeasurement[]; runs: PruningRun[] };
  overduePruning: { measurements: GrowthMeasurement[]; runs: PruningRun[] };
};

// ---------------------------------------------------------------- history, by SQL

/** lib/ids.ts's alphabet: base64url characters in ASCII order, so ids sort by creation time. */
const ID_ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
/** History ends an hour before it is written and goes back one delivery every `STEP_MS` from there. */
const HISTORY_END_OFFSET_MS = 3_600_000;
const STEP_MS = 250;
/** Deliveries per event, as the seeded rule makes (one per channel). */
const FANOUT = 3;
/** Events per statement: a chunk is one transaction (SQLite's WAL stays a few hundred MB). */
const CHUNK_EVENTS = 400_000;
/** One history delivery in 1,000 ends `failed` (and one in 10,000 `dead`): rare, as they should be. */
type StatusMix = { failedEvery: number; deadEvery: number };
const HISTORY_MIX: StatusMix = { failedEvery: 1000, deadEvery: 10_000 };
/**
 * Both copies also get RECENT_FAILURES failed deliveries, half an hour old: the
 * delivery log filtered by status then shows a full page on either, and the
 * growth figure compares like with like (not an empty answer with a full one).
 */
const RECENT_FAILURES = 150;
const RECENT_FAILURES_OFFSET_MS = 1_800_000;

/**
 * An SQL expression for a lib/ids.ts id: the prefix, then the 48-bit `time` (ms) and the
 * 48-bit `unique` (the row's number, standing in for the random bytes) as 8 characters each.
 */
function idExpression(engine: "sqlite" | "postgres", prefix: string, time: string, unique: string): string {
  const char = (value: string, shift: number) =>
    engine === "postgres"
      ? `substr('${ID_ALPHABET}', (((${value}) >> ${shift}) & 63)::int + 1, 1)`
      : `substr('${ID_ALPHABET}', (((${value}) >> ${shift}) & 63) + 1, 1)`;
  const chars = (value: string) => [42, 36, 30, 24, 18, 12, 6, 0].map((s) => char(value, s)).join(" || ");
  return `'${prefix}_' || ${chars(time)} || ${chars(unique)}`;
}

/**
 * The four INSERT … SELECTs of one chunk of history, events [from, to): on SQLite over a
 * recursive CTE, on PostgreSQL over generate_series. Event `e` happened at `end - (total - e) * STEP`,
 * and made FANOUT deliveries `d = e * FANOUT + j`, one per channel, each with one attempt.
 */
function historyStatements(
  engine: "sqlite" | "postgres",
  orgId: string,
  channelIds: string[],
  endMs: number,
  totalEvents: number,
  from: number,
  to: number,
  mix: StatusMix,
): string[] {
  const pg = engine === "postgres";
  const series = (name: string, a: number, b: number) => (pg ? `generate_series(${a}::bigint, ${b - 1}::bigint) AS s(${name})` : `s`);
  const withSeries = (name: string, a: number, b: number) =>
    pg ? "" : `WITH RECURSIVE s(${name}) AS (SELECT ${a} UNION ALL SELECT ${name} + 1 FROM s WHERE ${name} < ${b - 1}) `;
  const eventTime = (e: string) => `(${endMs} - (${totalEvents} - (${e})) * ${STEP_MS})`;
  const time = (ms: string) => (pg ? `to_timestamp((${ms}) / 1000.0)` : ms);
  const bool = (v: boolean) => (pg ? String(v) : v ? "1" : "0");
  const channel = `(CASE (d % ${FANOUT}) ${channelIds
    .slice(0, FANOUT)
    .map((id, j) => `WHEN ${j} THEN '${id}'`)
    .join(" ")} END)`;
  const status = `(CASE WHEN d % ${mix.deadEvery} = ${mix.deadEvery - 1} THEN 'dead' WHEN d % ${mix.failedEvery} = ${mix.failedEvery - 1} THEN 'failed' ELSE 'delivered' END)`;
  const e = `(d / ${FANOUT})`;
  const at = eventTime(e);
  const text = (expression: string) => (pg ? `(${expression})::text` : `(${expression})`);
  const data = pg
    ? `json_build_object('host', 'web-' || (e % 50), 'sequence', e, 'message', 'disk usage above 90 % on /var')::jsonb`
    : `json_object('host', 'web-' || (e % 50), 'sequence', e, 'message', 'disk usage above 90 % on /var')`;
  const [dFrom, dTo] = [from * FANOUT, to * FANOUT];
  return [
    `${withSeries("e", from, to)}INSERT INTO events (id, org_id, type, severity, title, data, is_test, occurred_at, received_at)
     SELECT ${idExpression(engine, "evt", eventTime("e"), "e")}, '${orgId}', '${BENCH_EVENT_TYPE}', 'info', 'History event ' || ${text("e")}, ${data}, ${bool(false)},
            ${time(eventTime("e"))}, ${time(eventTime("e"))}
       FROM ${series("e", from, to)}`,
    `${withSeries("d", dFrom, dTo)}INSERT INTO deliveries (id, org_id, channel_id, status, attempt_count, messages_sent, next_attempt_at, last_error, is_test, created_at, updated_at, delivered_at)
     SELECT ${idExpression(engine, "dlv", at, "d")}, '${orgId}', ${channel}, ${status}, 1, 1, ${time(at)},
            CASE WHEN ${status} = 'delivered' THEN NULL ELSE 'HTTP 410: gone' END, ${bool(false)},
            ${time(at)}, ${time(`${at} + 200`)}, CASE WHEN ${status} = 'delivered' THEN ${time(`${at} + 200`)} END
       FROM ${series("d", dFrom, dTo)}`,
    `${withSeries("d", dFrom, dTo)}INSERT INTO delivery_events (delivery_id, event_id)
     SELECT ${idExpression(engine, "dlv", at, "d")}, ${idExpression(engine, "evt", at, e)}
       FROM ${series("d", dFrom, dTo)}`,
    // The answer's headers as the dispatcher stores those of the benchmark's receiver (issue #20).
    `${withSeries("d", dFrom, dTo)}INSERT INTO attempts (id, delivery_id, at, duration_ms, outcome, status_code, response, response_headers, error)
     SELECT ${idExpression(engine, "att", `${at} + 150`, "d")}, ${idExpression(engine, "dlv", at, "d")}, ${time(`${at} + 150`)}, 42,
            CASE ${status} WHEN 'delivered' THEN 'delivered' WHEN 'failed' THEN 'failed' ELSE 'dead' END,
            CASE WHEN ${status} = 'delivered' THEN 200 ELSE 410 END, 'ok', '${HISTORY_RESPONSE_HEADERS}', NULL
       FROM ${series("d", dFrom, dTo)}`,
  ];
}

const HISTORY_RESPONSE_HEADERS = JSON.stringify({ "content-type": "text/plain", "content-length": "2", date: "Sat, 05 Dec 2026 10:00:00 GMT" });

/**
 * Writes `rows` finished deliveries of history (rounded up to whole events), older than
 * anything in the database. Foreign keys are not checked while it runs (the rows refer to
 * each other and to the seeded org and channels by construction). On PostgreSQL it ends with
 * VACUUM ANALYZE, as autovacuum would after such growth; SQLite gets no ANALYZE, as an
 * install never runs one.
 */
export async function writeHistory(
  db: Db,
  orgId: string,
  channelIds: string[],
  rows: number,
  progress: (message: string) => void = () => {},
  shape: { endOffsetMs: number; mix: StatusMix } = { endOffsetMs: HISTORY_END_OFFSET_MS, mix: HISTORY_MIX },
): Promise<number> {
  const engine = engineOf(db);
  const totalEvents = Math.ceil(rows / FANOUT);
  const endMs = Date.now() - shape.endOffsetMs;
  if (engine === "sqlite") {
    const sqlite = sqliteOf(db);
    sqlite.pragma("foreign_keys = OFF");
    try {
      for (let from = 0; from < totalEvents; from += CHUNK_EVENTS) {
        const to = Math.min(totalEvents, from + CHUNK_EVENTS);
        sqlite.transaction(() => {
          for (const statement of historyStatements("sqlite", orgId, channelIds, endMs, totalEvents, from, to, shape.mix)) sqlite.exec(statement);
        })();
        sqlite.pragma("wal_checkpoint(TRUNCATE)");
        progress(`history: ${(to * FANOUT).toLocaleString("en-US")} deliveries written`);
      }
    } finally {
      sqlite.pragma("foreign_keys = ON");
    }
  } else {
    for (let from = 0; from < totalEvents; from += CHUNK_EVENTS) {
      const to = Math.min(totalEvents, from + CHUNK_EVENTS);
      await db.transaction(async (tx) => {
        // Foreign-key triggers off for this transaction only (the benchmark's cluster runs as a superuser).
        await tx.execute(sql`SET LOCAL session_replication_role = replica`);
        for (const statement of historyStatements("postgres", orgId, channelIds, endMs, totalEvents, from, to, shape.mix)) await tx.execute(sql.raw(statement));
      });
      progress(`history: ${(to * FANOUT).toLocaleString("en-US")} deliveries written`);
    }
    await db.execute(sql`VACUUM ANALYZE`);
  }
  return totalEvents * FANOUT;
}

// ---------------------------------------------------------------- measuring

async function deliveryCount(db: Db): Promise<number> {
  const [row] = await rowsOf<{ n: number | string }>(db, sql`SELECT count(*) AS n FROM deliveries`);
  return Number(row.n);
}

/** Bytes the database takes: SQLite's pages in use (the WAL's committed pages included), PostgreSQL's database size. */
async function databaseBytes(db: Db): Promise<number> {
  if (engineOf(db) === "sqlite") {
    const sqlite = sqliteOf(db);
    const pages = Number(sqlite.pragma("page_count", { simple: true })) - Number(sqlite.pragma("freelist_count", { simple: true }));
    return pages * Number(sqlite.pragma("page_size", { simple: true }));
  }
  const [row] = await rowsOf<{ n: string }>(db, sql`SELECT pg_database_size(current_database()) AS n`);
  return Number(row.n);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.99) - 1)];

let sequence = 0;
const benchEvent = (): EventInput => {
  const n = sequence++;
  return { type: BENCH_EVENT_TYPE, severity: "info", title: `Growth ingest ${n}`, data: { host: `web-${n % 50}`, sequence: n } };
};

/** The middle one of the events the run ingested, or (seeded) of the history: an event whose deliveries are not on the first page. */
async function eventInTheMiddle(db: Db, orgId: string): Promise<string> {
  const [{ n }] = await rowsOf<{ n: number | string }>(db, sql`SELECT count(*) AS n FROM events WHERE org_id = ${orgId}`);
  const [row] = await rowsOf<{ id: string }>(db, sql`SELECT id FROM events WHERE org_id = ${orgId} ORDER BY id LIMIT 1 OFFSET ${Math.floor(Number(n) / 2)}`);
  return row.id;
}

async function timePage(runs: number, query: () => Promise<unknown[]>): Promise<{ medianMs: number; runsMs: number[]; rows: number }> {
  let rows = (await query()).length; // untimed: statement preparation, caches
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    rows = (await query()).length;
    runsMs.push(performance.now() - started);
  }
  return { medianMs: median(runsMs), runsMs, rows };
}

/**
 * Everything one measurement does, in this order: ingest (single, then batches), drain what
 * was ingested, time the pages (on top of the fresh deliveries, as a console sees them).
 *
 * `background`, when given, runs for the whole measurement: the hook for issue #18's
 * "while it prunes a large backlog" figures (start the pruning there, stop it at the end).
 */
export async function measureGrowthState(
  db: Db,
  job: GrowthJob,
  background?: { start(db: Db): Promise<{ stop(): Promise<void> }> },
): Promise<GrowthMeasurement> {
  // PostgreSQL reuses the space of dead row versions (every claim and outcome leaves one) only
  // once they are vacuumed. Autovacuum does it at 1 % dead rows (migration 0013): on the empty
  // copy within a measurement, on 10 M rows every 100,000, longer than one measurement, so the
  // growth figure compared autovacuum's timing, not the rows. Each starts where autovacuum leaves a table.
  if (engineOf(db) === "postgres") await db.execute(sql`VACUUM deliveries, attempts, delivery_events, events, inbox_items`);
  const running = await background?.start(db);
  try {
    const deliveriesBefore = await deliveryCount(db);
    const bytesBefore = await databaseBytes(db);

    const cpuMicros = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return used.user + used.system;
    };
    const singleMs: number[] = [];
    const singleCpu = process.cpuUsage();
    const singleStarted = performance.now();
    for (let i = 0; i < job.singleEvents; i++) {
      const started = performance.now();
      await ingestEvents(db, job.orgId, [benchEvent()], { indexed: false });
      singleMs.push(performance.now() - started);
    }
    const singleSeconds = (performance.now() - singleStarted) / 1000;
    const singleCpuMicros = cpuMicros(singleCpu);

    const batchCpu = process.cpuUsage();
    const batchStarted = performance.now();
    for (let i = 0; i < job.batches; i++) await ingestEvents(db, job.orgId, Array.from({ length: 500 }, benchEvent), { indexed: true });
    const batchSeconds = (performance.now() - batchStarted) / 1000;
    const batchCpuMicros = cpuMicros(batchCpu);

    const queued = (await deliveryCount(db)) - deliveriesBefore;
    const drainCpu = process.cpuUsage();
    const drainStarted = performance.now();
    const counts = await dispatchOnce(db, { deadlineMs: job.drainCapMs });
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const drainCpuMicros = cpuMicros(drainCpu);
    const bytesAfter = await databaseBytes(db);

    const limit = deliveryFiltersSchema.parse({});
    const eventId = await eventInTheMiddle(db, job.orgId);
    const pages = {
      deliveriesFirstPage: await timePage(job.pageRuns, async () => (await listDeliveries(db, job.orgId, limit)).deliveries),
      deliveriesByChannel: await timePage(job.pageRuns, async () => (await listDeliveries(db, job.orgId, { ...limit, channel: job.channelIds[1] })).deliveries),
      deliveriesByStatus: await timePage(job.pageRuns, async () => (await listDeliveries(db, job.orgId, { ...limit, status: "failed" })).deliveries),
      deliveriesByEvent: await timePage(job.pageRuns, async () => (await listDeliveries(db, job.orgId, { ...limit, event: eventId })).deliveries),
      eventsFirstPage: await timePage(job.pageRuns, async () => (await listEvents(db, job.orgId, eventFiltersSchema.parse({}))).events),
    } satisfies GrowthMeasurement["pages"];
    const deliveriesAfter = await deliveryCount(db);

    return {
      deliveriesBefore,
      ingestSingle: { eventsPerSecond: job.singleEvents / singleSeconds, p99Ms: p99(singleMs), cpuMicrosPerEvent: singleCpuMicros / job.singleEvents },
      ingestBatch: { eventsPerSecond: (job.batches * 500) / batchSeconds, cpuMicrosPerEvent: batchCpuMicros / (job.batches * 500) },
      delivery: {
        deliveries: queued,
        seconds: drainSeconds,
        deliveriesPerSecond: counts.claimed / drainSeconds,
        delivered: counts.delivered,
        cpuMicrosPerDelivery: drainCpuMicros / Math.max(1, counts.claimed),
      },
      pages,
      bytesPerDeliveryAdded: (bytesAfter - bytesBefore) / Math.max(1, queued),
      bytesPerDelivery: bytesAfter / Math.max(1, deliveriesAfter),
      databaseBytes: bytesAfter,
    };
  } finally {
    await running?.stop();
  }
}

// ---------------------------------------------------------------- pruning beside

/** How far the oldest history row is past the window in the `pruning` measurement: less than the day after which the pruner stops yielding. */
const DAY_BACKLOG_MS = 23 * 3600 * 1000;

async function oldestHistoryMs(db: Db): Promise<number> {
  const [row] = await db.select({ at: min(deliveries.createdAt) }).from(deliveries);
  return row.at!.getTime();
}

/** The retention the pruner is given; its clock is set so that this window ends at the cutoff it is given (`pruningBeside`). */
const RETENTION_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

async function historyLeft(db: Db, cutoffMs: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(deliveries)
    .where(lt(deliveries.createdAt, new Date(cutoffMs)));
  return Number(row.n);
}

/**
 * A `measureGrowthState` background: the retention pass in a process of its own
 * (a worker prunes beside the server's ingest, each on its own connection), started
 * before the measurement and killed after it — mid-batch if need be: a batch is a
 * transaction, and a killed one deletes nothing.
 */
function pruningBeside(location: string, cutoffMs: number, record: (run: PruningRun) => void) {
  return {
    async start(db: Db) {
      const before = await historyLeft(db, cutoffMs);
      const child = forkTs("bench/growth.ts");
      const isPruning = (m: unknown): m is { type: "pruning" } => (m as { type?: string })?.type === "pruning";
      const started = nextMessage(child, isPruning, 60_000);
      child.send({ type: "prune", location, now: cutoffMs + RETENTION_DAYS * DAY_MS });
      await started;
      // Measured once the pruner is in its stride: its first batches read cold pages.
      const warm = before - 3 * PRUNE_BATCH;
      const giveUp = performance.now() + 60_000;
      let left = before;
      while ((left = await historyLeft(db, cutoffMs)) > warm && performance.now() < giveUp) await new Promise((r) => setTimeout(r, 20));
      const startedAt = performance.now();
      return {
        async stop() {
          const seconds = (performance.now() - startedAt) / 1000;
          await stopChild(child);
          const after = await historyLeft(db, cutoffMs);
          record({ deliveriesPruned: left - after, seconds, backlogLeft: after });
        },
      };
    },
  };
}

/** The pruner's side: one retention pass over `location` at the clock `now`, then wait to be stopped. */
async function pruneCopy(location: string, now: number) {
  const db = await openCopy(location);
  process.send?.({ type: "pruning" });
  await pruneOnce(db, { retentionDays: RETENTION_DAYS, auditRetentionDays: 365 }, { now });
  returnFreePages(db);
  process.send?.({ type: "pruned" });
}

/** One of the two copies (the job names it by path or URL), migrated. */
async function openCopy(location: string): Promise<Db> {
  if (!/^postgres(ql)?:/.test(location)) return openSqlite(location);
  const db = openPostgres(location);
  await migratePostgres(db);
  return db;
}

export async function runGrowth(job: GrowthJob, progress: (message: string) => void): Promise<GrowthResult> {
  const empty = await openCopy(job.databases.empty);
  const seeded = await openCopy(job.databases.seeded);
  setDb(empty);
  try {
    const recentFailures = { endOffsetMs: RECENT_FAILURES_OFFSET_MS, mix: { failedEvery: 1, deadEvery: Number.MAX_SAFE_INTEGER } };
    for (const db of [empty, seeded]) await writeHistory(db, job.orgId, job.channelIds, RECENT_FAILURES, undefined, recentFailures);
    progress(`growth: writing ${job.rows.toLocaleString("en-US")} finished deliveries of history`);
    const started = performance.now();
    const rows = await writeHistory(seeded, job.orgId, job.channelIds, job.rows, progress);
    const seconds = (performance.now() - started) / 1000;
    // Everything older is history; everything ingested from now on is younger.
    const historyCutoffMs = Date.now();
    progress(`growth: history written in ${seconds.toFixed(0)} s`);
    // The first pass in a fresh process runs cold (module loading, JIT, statement caches):
    // one small untimed pass first, so the first database measured is not the slower for it.
    progress("growth: warming up");
    const warmUp = { ...job, singleEvents: Math.min(job.singleEvents, 200), batches: 1, pageRuns: 1 };
    await measureGrowthState(empty, warmUp);
    await measureGrowthState(seeded, warmUp);
    const result: GrowthResult = {
      empty: [],
      seeded: [],
      history: { rows, seconds },
      pruning: { measurements: [], runs: [] },
      overduePruning: { measurements: [], runs: [] },
    };
    const dayBacklogCutoffMs = Math.min(historyCutoffMs, (await oldestHistoryMs(seeded)) + DAY_BACKLOG_MS);
    const pruner = pruningBeside(job.databases.seeded, dayBacklogCutoffMs, (run) => result.pruning.runs.push(run));
    const overduePruner = pruningBeside(job.databases.seeded, historyCutoffMs, (run) => result.overduePruning.runs.push(run));
    for (let round = 1; round <= job.rounds; round++) {
      progress(`growth: round ${round} of ${job.rounds}, empty database`);
      result.empty.push(await measureGrowthState(empty, job));
      progress(`growth: round ${round} of ${job.rounds}, ${rows.toLocaleString("en-US")} deliveries of history`);
      result.seeded.push(await measureGrowthState(seeded, job));
      progress(`growth: round ${round} of ${job.rounds}, the same while its history is pruned`);
      result.pruning.measurements.push(await measureGrowthState(seeded, job, pruner));
      progress(`growth: round ${round} of ${job.rounds}, the same while an overdue history is pruned`);
      result.overduePruning.measurements.push(await measureGrowthState(seeded, job, overduePruner));
    }
    return result;
  } finally {
    setDb(undefined);
    await closeDb(empty);
    await closeDb(seeded);
  }
}

if (isMainModule(import.meta.url)) {
  process.on("message", (m: { type: string; job: GrowthJob; location: string; now: number }) => {
    if (m.type === "prune") {
      pruneCopy(m.location, m.now).catch((e: Error) => process.send?.({ type: "prune-failed", error: e.stack ?? e.message }));
      return;
    }
    if (m.type !== "growth") return;
    runGrowth(m.job, (message) => process.send?.({ type: "progress", message })).then(
      (result) => process.send?.({ type: "grown", result }),
      (e: Error) => process.send?.({ type: "growth-failed", error: e.stack ?? e.message }),
    );
  });
  process.on("disconnect", () => process.exit(0));
}
