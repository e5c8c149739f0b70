/**
 * `npm run bench [-- --quick] [--db sqlite|postgres] [--only delivery,workers,ingest,latency,growth] [--cpu-prof] [--deliveries N] [--rows N] [--worker-node-args="--trace-gc …"] [--keep]`
 *
 * Measures, on loopback and in bounded time, the machine's own ceiling for
 * one sender thread and Herald against it: delivery throughput of one worker,
 * ingest through the API, ingest→first-attempt latency at a steady rate, and
 * peak memory. Prints a table and writes bench/results/latest.json.
 *
 * `--db postgres` runs every scenario on PostgreSQL instead of SQLite: a
 * throw-away cluster for the run, a fresh database per sandbox, seeded as on
 * SQLite and copied over with `herald copy-db`'s code; it adds delivery with
 * 2 and 4 workers on one database, and writes bench/results/latest-postgres.json.
 *
 * `growth` (issue #18) measures ingest, delivery and the console's pages on an
 * empty database and again after `--rows` finished deliveries of history
 * written by SQL (10 million; 200,000 with --quick). It is part of --quick,
 * but a full run does it only when named: `--only growth`.
 * See docs/performance.md for what each figure means.
 */
import os from "node:os";
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { measureCeiling } from "./ceiling";
import { copyDatabase, heraldSandbox, seed, builtCliMissing, type Sandbox } from "./lib/herald";
import { startBenchPostgres, type BenchPostgres } from "./lib/postgres";
import { installCleanupHandlers, onCleanup, repoRoot, stopAllChildren, type MemoryPeak } from "./lib/processes";
import { startReceiver, type Receiver } from "./lib/receiver-client";
import { engineLine, renderTable, runMeta, writeResults, type Figure, type RunMeta } from "./lib/report";
import { drainQueue, type DrainDatabase, type DrainResult } from "./scenarios/delivery";
import { growthFigures, GROWTH_ROWS, pruningFigures, runGrowthChild } from "./scenarios/growth";
import { steadyRateLatency } from "./scenarios/latency";
import { postEventsLoad, serverMissing, startServer } from "./scenarios/server";
import { BENCH_EVENT_TYPE } from "./seed";

const USAGE =
  'npm run bench [-- --quick] [--db sqlite|postgres] [--only delivery,workers,ingest,latency,growth] [--cpu-prof] [--deliveries N] [--rows N] [--worker-node-args="…"] [--out FILE] [--keep]\nSee docs/performance.md for what each figure means.';
const { values: flags } = parseArgsOrExit({
  options: {
    help: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    /** The engine every scenario runs on: sqlite (the default, embedded) or postgres (a throw-away cluster). */
    db: { type: "string", default: "sqlite" },
    only: { type: "string" },
    out: { type: "string" },
    "cpu-prof": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    /** Fewer (or more) queued deliveries than the plan's, for a faster look while profiling. */
    deliveries: { type: "string" },
    /** Finished deliveries of history the growth scenario writes (10 M; 200 k with --quick). */
    rows: { type: "string" },
    /** Extra node flags for the workers, space-separated (e.g. "--trace-gc"). */
    "worker-node-args": { type: "string" },
  },
});
if (flags.help) {
  console.log(USAGE);
  process.exit(0);
}
const quick = flags.quick!;
if (flags.db !== "sqlite" && flags.db !== "postgres") {
  console.error(`--db: sqlite or postgres, not ${flags.db}`);
  process.exit(2);
}
const engine: "sqlite" | "postgres" = flags.db;
const onPostgres = engine === "postgres";
// `workers` (delivery with 1, 2 and 4 workers on one database) exists on PostgreSQL only.
// `growth` at full size writes 10 M rows (many minutes): part of --quick, else only when named.
const only = new Set((flags.only ?? `delivery,workers,ingest,latency${quick ? ",growth" : ""}`).split(",").map((s) => s.trim()));
const known = ["delivery", "workers", "ingest", "latency", "growth"];
for (const name of only) {
  if (!known.includes(name)) {
    console.error(`--only: ${name} is not a scenario (${known.join(", ")})`);
    process.exit(2);
  }
}
const outFile = flags.out ?? path.join(repoRoot, "bench", "results", onPostgres ? "latest-postgres.json" : "latest.json");

/** parseArgs, with a wrong flag answered by its message and the usage instead of a stack trace. */
function parseArgsOrExit<T extends ParseArgsConfig>(config: T) {
  try {
    return parseArgs(config);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

/** Sizes per mode: full is the issue's benchmark (under 5 minutes); quick keeps every path working in CI (under 30 s). */
const PLAN = quick
  ? {
      ceilingMs: 1500,
      ceilingWarmupMs: 300,
      deliveries: 2000,
      manyChannels: 20,
      drainCapMs: 8000,
      ingestMs: 1000,
      ingestWarmupMs: 300,
      latencyRate: 500,
      latencyMs: 2000,
      latencyWarmupMs: 500,
      growth: { rows: 200_000, singleEvents: 300, batches: 4, pageRuns: 5, drainCapMs: 20_000, rounds: 1 },
    }
  : {
      ceilingMs: 10_000,
      ceilingWarmupMs: 1000,
      deliveries: 100_000,
      manyChannels: 1000,
      drainCapMs: 45_000,
      ingestMs: 10_000,
      ingestWarmupMs: 1500,
      latencyRate: 500,
      latencyMs: 30_000,
      latencyWarmupMs: 5000,
      growth: { rows: 10_000_000, singleEvents: 2000, batches: 20, pageRuns: 9, drainCapMs: 60_000, rounds: 3 },
    };
if (flags.deliveries) PLAN.deliveries = Number(flags.deliveries);
if (flags.rows) {
  PLAN.growth.rows = Number(flags.rows);
  if (!Number.isInteger(PLAN.growth.rows) || PLAN.growth.rows < 1) {
    console.error(`--rows: a whole number of deliveries, not ${flags.rows}`);
    process.exit(2);
  }
}
const MB = 1024 * 1024;
const PROFILE_DIR = path.join(repoRoot, "bench", "results", "profiles");

installCleanupHandlers();

const runStarted = performance.now();
/** One line per step on stderr, so a long run shows where it is (the table goes to stdout). */
function progress(message: string) {
  process.stderr.write(`[${((performance.now() - runStarted) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
}

const figures: Figure[] = [];
const details: Record<string, unknown> = {};
const sandboxes: { dataDir: string; remove(): void }[] = [];
let ceilingRate: number | null = null;
/** The run's PostgreSQL cluster (`--db postgres`). */
let postgres: BenchPostgres | undefined;

const ratio = (value: number | null) => (value !== null && ceilingRate ? value / ceilingRate : null);

/** A sandbox on the run's engine: on PostgreSQL, with a database of its own on the run's cluster. */
function sandbox(label: string) {
  const s = heraldSandbox(label, postgres);
  sandboxes.push(s);
  // Also when the run is interrupted (Ctrl-C), which skips main's finally.
  if (!flags.keep) onCleanup(() => s.remove());
  return s;
}

function drainDatabase(s: Sandbox): DrainDatabase {
  return s.postgres
    ? { engine: "postgres", url: s.postgres.url, name: s.postgres.name, postgres: s.postgres.postgres }
    : { engine: "sqlite", path: s.databasePath };
}

/** Runs one scenario; a missing prerequisite or an error becomes a line of the table, never a crash of the run. */
async function measure(keys: Pick<Figure, "key" | "label" | "unit" | "target">[], skipReason: string | null, run: () => Promise<Figure[]>) {
  if (skipReason) {
    for (const k of keys) figures.push({ ...k, value: null, skipped: skipReason });
    return;
  }
  try {
    figures.push(...(await run()));
  } catch (e) {
    const message = (e as Error).message;
    console.error(`\n${keys.map((k) => k.key).join(", ")} failed:\n${(e as Error).stack ?? message}\n`);
    for (const k of keys) figures.push({ ...k, value: null, error: message });
  }
}

// SQLite: issue #7's target. PostgreSQL (issue #16): a share of the same run's ceiling only.
const DELIVERY_TARGET = onPostgres ? "≥ 35 %" : "≥ 10,000/s and ≥ 35 %";
const meetsDeliveryTarget = (value: number) => (ratio(value) ?? 0) >= 0.35 && (onPostgres || value >= 10_000);

/**
 * What the CPU notes of a drain say: the workers' CPU, on PostgreSQL the server's, the
 * receiver's, and the rate the machine's cores would allow if they did nothing else — every
 * process of a drain shares them, so that bound, not the ceiling, is where CPU runs out.
 */
function cpuNotes(r: DrainResult): string[] {
  const notes: string[] = [];
  if (r.workerCpuMicrosPerDelivery !== null) notes.push(`${r.workers > 1 ? "workers" : "worker"} CPU ${r.workerCpuMicrosPerDelivery.toFixed(0)} µs/delivery`);
  if (r.databaseCpuMicrosPerDelivery != null) notes.push(`PostgreSQL CPU ${r.databaseCpuMicrosPerDelivery.toFixed(0)} µs/delivery`);
  if (r.receiverCpuMicrosPerDelivery !== null) notes.push(`receiver CPU ${r.receiverCpuMicrosPerDelivery.toFixed(0)} µs/delivery`);
  const { workerCpuMicrosPerDelivery: worker, receiverCpuMicrosPerDelivery: receiver } = r;
  if (worker && receiver !== null) {
    const cores = os.availableParallelism();
    const bound = (cores * 1e6) / (worker + (r.databaseCpuMicrosPerDelivery ?? 0) + receiver);
    notes.push(`${cores} cores at this CPU: ≤ ${Math.round(bound).toLocaleString("en-US")}/s (${((100 * r.deliveriesPerSecond) / bound).toFixed(0)} % used)`);
  }
  return notes;
}

function deliveryFigure(key: string, label: string, r: DrainResult): Figure {
  const value = r.deliveriesPerSecond;
  const notes = [`${r.completed.toLocaleString("en-US")} in ${r.seconds.toFixed(2)} s`, ...cpuNotes(r)];
  if (r.capped) notes.push(`capped at ${PLAN.drainCapMs / 1000} s`);
  if (r.receiver.unsigned) notes.push(`${r.receiver.unsigned} without signature/auth!`);
  return {
    key,
    label,
    value,
    unit: "/s",
    ratioToCeiling: ratio(value),
    target: DELIVERY_TARGET,
    meetsTarget: quick ? undefined : meetsDeliveryTarget(value),
    note: notes.join(", "),
  };
}

/** The seeded queue of the one-channel drains, copied (PostgreSQL) before the first drain for the worker-count drains. */
const queueCopies = new Map<number, Sandbox>();
const WORKER_COUNTS = [2, 4];
let oneWorkerDrain: DrainResult | undefined;

// --cpu-prof: V8 profiles of each drain's workers in a folder named after the drain (per worker,
// the larger file is the dispatcher's thread, the second the sending thread, lib/net/http-thread.ts).
const extraWorkerArgs = flags["worker-node-args"]?.split(/\s+/).filter(Boolean) ?? [];
// A profiled worker must exit by itself (V8 writes the main thread's profile at exit): more time to stop.
const stopGraceMs = flags["cpu-prof"] ? 20_000 : 3_000;
const profileArgs = (name: string) => [...extraWorkerArgs, ...(flags["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", path.join(PROFILE_DIR, name)] : [])];

async function deliveryScenarios(receiver: Receiver) {
  const keys = [
    { key: "delivery", label: "delivery, 1 worker, 1 channel", unit: "/s", target: DELIVERY_TARGET },
    { key: "deliveryWith500s", label: "delivery, 10 % answered 500", unit: "/s" },
    { key: "deliveryManyChannels", label: `delivery, ${PLAN.manyChannels.toLocaleString("en-US")} channels`, unit: "/s" },
  ];
  const workerPeaks: MemoryPeak[] = [];
  const drain = (s: Sandbox, failFraction: number, name: string) =>
    drainQueue(receiver, {
      database: drainDatabase(s),
      logDir: s.dataDir,
      env: s.env,
      deliveries: PLAN.deliveries,
      failFraction,
      capMs: PLAN.drainCapMs,
      nodeArgs: profileArgs(name),
      stopGraceMs,
    }).then((r) => {
      workerPeaks.push(r.memory);
      return r;
    });

  await measure(keys.slice(0, 2), builtCliMissing(), async () => {
    const single = sandbox("queue");
    progress(`delivery: seeding ${PLAN.deliveries.toLocaleString("en-US")} queued deliveries to 1 channel`);
    const seeded = await seed(single, { kind: "queue", receiverUrl: receiver.url, channels: 1, deliveries: PLAN.deliveries });
    if (seeded.copySeconds !== undefined)
      progress(`delivery: seeded in ${seeded.seconds.toFixed(1)} s, of which ${seeded.copySeconds.toFixed(1)} s copying into PostgreSQL`);
    const failing = sandbox("queue-500");
    await copyDatabase(single, failing);
    if (onPostgres && only.has("workers")) {
      for (const n of WORKER_COUNTS) {
        const copy = sandbox(`queue-${n}-workers`);
        await copyDatabase(single, copy);
        queueCopies.set(n, copy);
      }
    }
    progress("delivery: one worker drains the queue");
    const ok = await drain(single, 0, "delivery");
    oneWorkerDrain = ok;
    details.delivery = { seedSeconds: seeded.seconds, copySeconds: seeded.copySeconds, ...ok };
    const out = [deliveryFigure("delivery", keys[0].label, ok)];
    progress("delivery: the same queue, 10 % answered 500");
    const withFailures = await drain(failing, 0.1, "delivery-500s");
    details.deliveryWith500s = withFailures;
    out.push({
      ...deliveryFigure("deliveryWith500s", keys[1].label, withFailures),
      target: undefined,
      meetsTarget: undefined,
      note: [
        ...cpuNotes(withFailures),
        `${withFailures.outcomes.delivered.toLocaleString("en-US")} delivered, ${withFailures.outcomes.retryScheduled.toLocaleString("en-US")} retries scheduled, ${withFailures.outcomes.attempts.toLocaleString("en-US")} attempts recorded`,
      ].join(", "),
    });
    return out;
  });
  await measure(keys.slice(2), builtCliMissing(), async () => {
    const many = sandbox("channels");
    progress(`delivery: seeding ${PLAN.manyChannels.toLocaleString("en-US")} channels`);
    const seeded = await seed(many, { kind: "queue", receiverUrl: receiver.url, channels: PLAN.manyChannels, deliveries: PLAN.deliveries });
    progress(`delivery: draining to ${PLAN.manyChannels.toLocaleString("en-US")} channels`);
    const r = await drain(many, 0, "delivery-channels");
    details.deliveryManyChannels = { seedSeconds: seeded.seconds, copySeconds: seeded.copySeconds, ...r };
    return [{ ...deliveryFigure("deliveryManyChannels", keys[2].label, r), target: undefined, meetsTarget: undefined }];
  });
  memoryFigure("workerRss", "peak RSS, worker (during delivery)", "≤ 250 MB", 250, workerPeaks, "largest", builtCliMissing());
}

/**
 * PostgreSQL only: the same one-channel queue drained by 2 and 4 `herald worker`
 * processes on one database, all started before any may claim (drainQueue's gate).
 * The 1-worker point is the one-channel figure of this run.
 */
async function workerScalingScenario(receiver: Receiver) {
  const keys = WORKER_COUNTS.map((n) => ({ key: `deliveryWorkers${n}`, label: `delivery, ${n} workers, 1 channel`, unit: "/s" }));
  await measure(keys, builtCliMissing(), async () => {
    const out: Figure[] = [];
    for (const [i, n] of WORKER_COUNTS.entries()) {
      let s = queueCopies.get(n);
      if (!s) {
        s = sandbox(`queue-${n}-workers`);
        progress(`workers: seeding ${PLAN.deliveries.toLocaleString("en-US")} queued deliveries to 1 channel`);
        await seed(s, { kind: "queue", receiverUrl: receiver.url, channels: 1, deliveries: PLAN.deliveries });
      }
      progress(`workers: ${n} workers drain the queue`);
      const r = await drainQueue(receiver, {
        database: drainDatabase(s),
        logDir: s.dataDir,
        env: s.env,
        deliveries: PLAN.deliveries,
        failFraction: 0,
        capMs: PLAN.drainCapMs,
        workers: n,
        nodeArgs: profileArgs(`delivery-${n}-workers`),
        stopGraceMs,
      });
      details[keys[i].key] = r;
      const speedUp = oneWorkerDrain ? `×${(r.deliveriesPerSecond / oneWorkerDrain.deliveriesPerSecond).toFixed(2)} of 1 worker` : null;
      const figure = deliveryFigure(keys[i].key, keys[i].label, r);
      out.push({ ...figure, target: undefined, meetsTarget: undefined, note: [speedUp, figure.note].filter(Boolean).join(", ") });
    }
    return out;
  });
}

function memoryFigure(key: string, label: string, target: string, limitMb: number, peaks: MemoryPeak[], use: "largest" | "tree", skipped: string | null) {
  if (!peaks.length) {
    figures.push({ key, label, value: null, unit: "MB", target, skipped: skipped ?? "its scenarios did not run" });
    return;
  }
  const treeMb = Math.max(...peaks.map((p) => p.treePeakBytes)) / MB;
  const largestMb = Math.max(...peaks.map((p) => p.largestProcessPeakBytes)) / MB;
  const value = use === "tree" ? treeMb : largestMb;
  figures.push({
    key,
    label,
    value,
    unit: "MB",
    target,
    meetsTarget: quick ? undefined : value <= limitMb,
    note: use === "tree" ? `all its processes; largest one ${largestMb.toFixed(0)} MB` : undefined,
  });
}

// --cpu-prof: a V8 profile of the server of each server scenario, written when it stops.
const serverProfileArgs = (name: string) => (flags["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", path.join(PROFILE_DIR, name)] : []);

async function serverScenarios(receiver: Receiver) {
  const missing = serverMissing() ?? builtCliMissing();
  const serverPeaks: MemoryPeak[] = [];
  const makeEvent = (n: number) => ({ type: BENCH_EVENT_TYPE, severity: "info", title: `Bench ingest ${n}`, data: { host: `web-${n % 50}`, sequence: n } });

  if (only.has("ingest")) {
    const keys = [
      { key: "ingestSingle", label: "ingest, single events (32 in flight)", unit: "events/s", target: "≥ 2,000/s" },
      { key: "ingestBatch", label: "ingest, batches of 500", unit: "events/s", target: "≥ 20,000/s" },
    ];
    await measure(keys, serverMissing(), async () => {
      const s = sandbox("ingest");
      const seeded = await seed(s, { kind: "server", receiverUrl: receiver.url, channels: 3 });
      progress("ingest: starting the server (HERALD_WORKER=off)");
      const server = await startServer(s.env, {
        worker: "off",
        logFile: path.join(s.dataDir, "server.log"),
        nodeArgs: serverProfileArgs("server-ingest"),
        stopGraceMs,
      });
      try {
        progress("ingest: single events, 32 in flight");
        const single = await postEventsLoad(server.origin, seeded.token!, {
          concurrency: 32,
          batchSize: 1,
          durationMs: PLAN.ingestMs,
          warmupMs: PLAN.ingestWarmupMs,
          makeEvent,
          serverCpuSeconds: server.cpuSeconds,
        });
        progress("ingest: batches of 500");
        const batch = await postEventsLoad(server.origin, seeded.token!, {
          concurrency: 4,
          batchSize: 500,
          durationMs: PLAN.ingestMs,
          warmupMs: PLAN.ingestWarmupMs,
          makeEvent,
          serverCpuSeconds: server.cpuSeconds,
        });
        details.ingest = { single, batch };
        const figure = (key: string, label: string, target: string, min: number, r: typeof single): Figure => {
          const value = r.events / r.seconds;
          const notes = [`${r.events.toLocaleString("en-US")} events in ${r.seconds.toFixed(1)} s`, `${r.deliveriesPerEvent ?? "?"} deliveries per event`];
          if (r.serverCpuMicrosPerEvent !== undefined) notes.push(`server CPU ${r.serverCpuMicrosPerEvent.toFixed(0)} µs/event`);
          if (r.errors) notes.push(`${r.errors} errors, first: ${r.firstError}`);
          return {
            key,
            label,
            value,
            unit: "events/s",
            ratioToCeiling: ratio(value),
            target,
            meetsTarget: quick ? undefined : value >= min && !r.errors,
            note: notes.join(", "),
          };
        };
        return [figure("ingestSingle", keys[0].label, keys[0].target, 2000, single), figure("ingestBatch", keys[1].label, keys[1].target, 20_000, batch)];
      } finally {
        serverPeaks.push(await server.stop());
      }
    });
  }

  if (only.has("latency")) {
    const label = `ingest → first attempt at ${PLAN.latencyRate}/s for ${PLAN.latencyMs / 1000} s`;
    const keys = [
      { key: "latencyP50", label: `${label}, p50`, unit: "ms" },
      { key: "latencyP95", label: `${label}, p95`, unit: "ms" },
      { key: "latencyP99", label: `${label}, p99`, unit: "ms", target: "≤ 50 ms" },
    ];
    await measure(keys, missing, async () => {
      const s = sandbox("latency");
      const seeded = await seed(s, { kind: "server", receiverUrl: receiver.url, channels: 3 });
      progress("latency: starting the server (HERALD_WORKER=inline)");
      const server = await startServer(s.env, {
        worker: "inline",
        logFile: path.join(s.dataDir, "server.log"),
        nodeArgs: serverProfileArgs("server-latency"),
        stopGraceMs,
      });
      progress(`latency: ${PLAN.latencyRate} events/s for ${PLAN.latencyMs / 1000} s`);
      try {
        const r = await steadyRateLatency(receiver, server.origin, seeded.token!, {
          rate: PLAN.latencyRate,
          durationMs: PLAN.latencyMs,
          warmupMs: PLAN.latencyWarmupMs,
          deliveriesPerEvent: 3,
          drainMs: quick ? 5000 : 10_000,
        });
        details.latency = r;
        const note = [
          `${r.arrivals.toLocaleString("en-US")} of ${r.expectedArrivals.toLocaleString("en-US")} deliveries arrived`,
          `sent at ${r.achievedRate.toFixed(0)}/s`,
        ];
        if (r.errors) note.push(`${r.errors} ingest errors, first: ${r.firstError}`);
        return [
          { ...keys[0], value: r.p50, note: note.join(", ") },
          { ...keys[1], value: r.p95 },
          {
            ...keys[2],
            value: r.p99,
            meetsTarget: quick || r.p99 === null ? undefined : r.p99 <= 50,
            note: r.p99 === null ? "over 1 % of deliveries never arrived" : `max ${r.max?.toFixed(1)} ms, ingest answer p99 ${r.ingestP99?.toFixed(1)} ms`,
          },
        ];
      } finally {
        serverPeaks.push(await server.stop());
      }
    });
  }
  memoryFigure("serverRss", "peak RSS, server (ingest, latency)", "≤ 500 MB", 500, serverPeaks, "tree", missing);
}

/**
 * Growth (issue #18): one org with the ingest scenario's 3 channels and rule, measured empty,
 * then with PLAN.growth.rows finished deliveries of history (bench/growth.ts). Runs in-process
 * calls (no build needed): ingest through `ingestEvents`, delivery through `dispatchOnce`.
 */
async function growthScenario(receiver: Receiver) {
  const keys = GROWTH_ROWS.map((r) => ({ key: r.key, label: r.label, unit: r.unit }));
  await measure(keys, null, async () => {
    // Two copies of one seeded org: one stays (nearly) empty, the other gets the history.
    const empty = sandbox("growth-empty");
    const seeded = await seed(empty, { kind: "server", receiverUrl: receiver.url, channels: 3 });
    const grown = sandbox("growth-history");
    await copyDatabase(empty, grown);
    const location = (s: Sandbox) => s.postgres?.url ?? s.databasePath;
    const job = { databases: { empty: location(empty), seeded: location(grown) }, orgId: seeded.orgId, channelIds: seeded.channelIds, ...PLAN.growth };
    // Hours for 10 M rows on a busy machine; the quick form takes well under a minute.
    const r = await runGrowthChild(empty.env, job, progress, quick ? 300_000 : 4 * 3_600_000);
    details.growth = r;
    return [...growthFigures(r, quick), ...pruningFigures(r, quick)];
  });
}

async function main() {
  const started = performance.now();
  let engineMeta: RunMeta["engine"] = { name: "sqlite" };
  if (onPostgres) {
    progress("PostgreSQL: starting a throw-away cluster");
    postgres = await startBenchPostgres();
    engineMeta = { name: "postgres", version: postgres.version, settings: postgres.settings };
  }
  const meta = runMeta(quick ? "quick" : "full", engineMeta);
  console.log(`Herald benchmark (${meta.mode}, ${engineLine(meta.engine)}): commit ${meta.commit}, Node ${meta.node}, ${meta.cpu} × ${meta.cores}\n`);
  const receiver = await startReceiver();

  // Growth compares with itself (empty against seeded), not with the ceiling.
  if ([...only].some((name) => name !== "growth")) {
    progress("ceiling: raw POSTs to the receiver");
    const ceiling = await measureCeiling(receiver.url, { durationMs: PLAN.ceilingMs, warmupMs: PLAN.ceilingWarmupMs, concurrency: 64 });
    ceilingRate = ceiling.requestsPerSecond;
    details.ceiling = ceiling;
    figures.push({
      key: "ceiling",
      label: "ceiling: undici POSTs of 1 KB, 64 in flight",
      value: ceilingRate,
      unit: "/s",
      ratioToCeiling: 1,
      note: `${ceiling.requests.toLocaleString("en-US")} in ${ceiling.seconds.toFixed(1)} s${ceiling.errors ? `, ${ceiling.errors} errors` : ""}`,
    });
    progress(`ceiling: ${Math.round(ceilingRate).toLocaleString("en-US")} requests/s`);
  }

  if (only.has("delivery")) await deliveryScenarios(receiver);
  if (onPostgres && only.has("workers")) await workerScalingScenario(receiver);
  if (only.has("ingest") || only.has("latency")) await serverScenarios(receiver);
  if (only.has("growth")) await growthScenario(receiver);

  const totalSeconds = (performance.now() - started) / 1000;
  console.log(
    `\n${renderTable(
      meta,
      figures,
      `growth: empty → ${PLAN.growth.rows.toLocaleString("en-US")} deliveries of history`,
      `pruning: ${PLAN.growth.rows.toLocaleString("en-US")} deliveries of history, without → while pruning`,
    )}\n\nTotal ${totalSeconds.toFixed(1)} s. Results: ${path.relative(process.cwd(), outFile)}`,
  );
  writeResults(outFile, { meta: { ...meta, totalSeconds }, figures, details });
  return figures.some((f) => f.error) ? 1 : 0;
}

main()
  .then(
    (code) => (process.exitCode = code),
    (e: Error) => {
      console.error(e.stack ?? e.message);
      process.exitCode = 1;
    },
  )
  .finally(async () => {
    await stopAllChildren();
    await postgres?.stop({ keep: flags.keep });
    if (!flags.keep) for (const s of sandboxes) s.remove();
    else {
      console.log(`Kept data dirs:\n${sandboxes.map((s) => s.dataDir).join("\n")}`);
      if (postgres?.cluster)
        console.log(
          `Kept the PostgreSQL cluster (stopped): pg_ctl -D ${path.join(postgres.cluster.dir, "data")} -o "-p ${postgres.cluster.port} -k ${postgres.cluster.dir}" start`,
        );
    }
  });
