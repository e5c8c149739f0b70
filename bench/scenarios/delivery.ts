import Database from "better-sqlite3";
import path from "node:path";
import pg from "pg";
import { preciseNow } from "../receiver";
import { listeningDispatchers, type BenchPostgres } from "../lib/postgres";
import type { Receiver } from "../lib/receiver-client";
import { cpuSecondsOfTree, sampleMemory, spawnHerald, stopChild, type MemoryPeak } from "../lib/processes";

/**
 * Delivery throughput: standalone workers (`herald worker`; one, or several on
 * one PostgreSQL database) drain a pre-seeded queue to the receiver. The clock
 * runs from the first request the receiver sees (so the workers' start-up —
 * loading, migrating — is left out; it is reported apart) to the moment the
 * database shows every delivery's first attempt recorded and none still
 * `sending`.
 */

/** Where the drained queue lives: a SQLite file, or a PostgreSQL database of the run's cluster. */
export type DrainDatabase = { engine: "sqlite"; path: string } | { engine: "postgres"; url: string; name: string; postgres: BenchPostgres };

export type DrainOptions = {
  database: DrainDatabase;
  /** The sandbox's data dir: the workers' logs go there. */
  logDir: string;
  env: Record<string, string | undefined>;
  deliveries: number;
  failFraction: number;
  /** Stop waiting after this long and report the rate over what was done. */
  capMs: number;
  /** Extra node flags for the worker (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /**
   * `herald worker` processes on the one database (PostgreSQL only above 1). With more
   * than one, none may start before all are up: the queue's channels are disabled
   * while they start, and enabled (with a wake) once every one listens for wakes.
   */
  workers?: number;
  /**
   * How long a worker may take to stop after SIGTERM before it is killed (default 3 s).
   * --cpu-prof needs a clean exit: V8 writes the main thread's profile as the process exits.
   */
  stopGraceMs?: number;
};

export type DrainResult = {
  deliveries: number;
  workers: number;
  /** Deliveries whose first attempt was recorded within the measured window. */
  completed: number;
  seconds: number;
  deliveriesPerSecond: number;
  capped: boolean;
  workerStartupMs: number;
  /**
   * Worker CPU time (user + system, all its workers) per delivery from the first send to
   * the end, in µs: much less sensitive than the rate to other load on the machine, so the
   * figure to compare when judging a change.
   */
  workerCpuMicrosPerDelivery: number | null;
  /** PostgreSQL's CPU time (every process of the cluster) per delivery over the same window, in µs. */
  databaseCpuMicrosPerDelivery?: number | null;
  /** The receiver's CPU time per delivery over the same window, in µs: the third process sharing the cores. */
  receiverCpuMicrosPerDelivery: number | null;
  /** The largest single worker's peaks. */
  memory: MemoryPeak;
  /** From the database after the run: a check that the figure counts real outcomes. */
  outcomes: { attempts: number; delivered: number; retryScheduled: number; stillSending: number };
  receiver: { requests: number; answered500: number; unsigned: number };
};

type Counts = { attempts: number; delivered: number; retryScheduled: number; stillSending: number; untouched: number };

const COUNTS_SQL = `SELECT (SELECT count(*) FROM attempts) AS "attempts",
              (SELECT count(*) FROM deliveries WHERE status = 'delivered') AS "delivered",
              (SELECT count(*) FROM deliveries WHERE status = 'queued' AND attempt_count > 0) AS "retryScheduled",
              (SELECT count(*) FROM deliveries WHERE status = 'sending') AS "stillSending",
              (SELECT count(*) FROM deliveries WHERE status = 'queued' AND attempt_count = 0) AS "untouched"`;

/** Reads the queue's counts while the workers run, on either engine. */
type CountsReader = { read(): Promise<Counts>; close(): Promise<void> };

export async function openQueueCounts(database: DrainDatabase): Promise<CountsReader & { pg?: pg.Client }> {
  if (database.engine === "sqlite") {
    // A plain connection (read-only ones cannot open a WAL database before its -shm exists); it only reads.
    const sqlite = new Database(database.path, { fileMustExist: true });
    const statement = sqlite.prepare(COUNTS_SQL);
    return {
      read: async () => statement.get() as Counts,
      close: async () => {
        sqlite.close();
      },
    };
  }
  // One connection of the runner's, polling the same counts (count(*) is a bigint: a string to pg).
  const client = new pg.Client({ connectionString: database.url });
  client.on("error", () => {});
  await client.connect();
  return {
    pg: client,
    async read() {
      const row = (await client.query<Record<keyof Counts, string>>(COUNTS_SQL)).rows[0];
      return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as Counts;
    },
    close: () => client.end(),
  };
}

export async function drainQueue(receiver: Receiver, options: DrainOptions): Promise<DrainResult> {
  const workerCount = options.workers ?? 1;
  const { database } = options;
  if (workerCount > 1 && database.engine !== "postgres") throw new Error("several workers on one database: PostgreSQL only");
  await receiver.reset();
  await receiver.configure({ failFraction: options.failFraction, measureLatency: false });
  const counter = await openQueueCounts(database);
  const gated = workerCount > 1 && counter.pg !== undefined;
  if (gated) await counter.pg!.query("UPDATE channels SET enabled = false");
  const spawnedAt = preciseNow();
  const workers = Array.from({ length: workerCount }, (_, i) =>
    spawnHerald(["worker"], {
      env: options.env,
      nodeArgs: options.nodeArgs,
      logFile: path.join(options.logDir, workerCount === 1 ? "worker.log" : `worker-${i + 1}.log`),
    }),
  );
  const memory = workers.map((w) => sampleMemory(w.pid!));
  const crashed = Promise.race(
    workers.map(
      (worker) =>
        new Promise<never>((_, reject) =>
          worker.once("exit", (code, signal) => reject(new Error(`a worker exited early (code ${code}, signal ${signal}):\n${worker.output()}`))),
        ),
    ),
  );
  crashed.catch(() => {});
  const workersCpu = () => workers.reduce((sum, w) => sum + cpuSecondsOfTree(w.pid!), 0);
  const databaseCpu = () => (database.engine === "postgres" ? cpuSecondsOfTree(database.postgres.postmasterPid()) : 0);
  const receiverCpu = () => cpuSecondsOfTree(receiver.pid);
  const deadline = spawnedAt + options.capMs;
  let capped = false;
  let endedAt = spawnedAt;
  let counts: Counts | undefined;
  // CPU used before the first send is start-up (loading, opening the database): left out.
  let cpuAtFirstSend: number | null = null;
  let cpuAtEnd: number | null = null;
  let databaseCpuAtFirstSend = 0;
  let databaseCpuAtEnd = 0;
  let receiverCpuAtFirstSend = 0;
  let receiverCpuAtEnd = 0;
  try {
    if (gated) {
      // Every worker up and listening before any delivery can be claimed: the later ones
      // must not find the queue half drained by the first.
      const upBy = preciseNow() + 60_000;
      while ((await listeningDispatchers(counter.pg!, database.engine === "postgres" ? database.name : "")) < workerCount) {
        if (preciseNow() > upBy) throw new Error(`the ${workerCount} workers were not all listening for wakes within 60 s`);
        await Promise.race([new Promise((r) => setTimeout(r, 50)), crashed]);
      }
      await counter.pg!.query("UPDATE channels SET enabled = true");
      await counter.pg!.query("SELECT pg_notify('herald_wake', '')");
    }
    await Promise.race([receiver.waitForCount(1, options.capMs), crashed]).then(
      () => {
        cpuAtFirstSend = workersCpu();
        databaseCpuAtFirstSend = databaseCpu();
        receiverCpuAtFirstSend = receiverCpu();
      },
      () => {},
    );
    await Promise.race([receiver.waitForCount(options.deliveries, Math.max(1, deadline - preciseNow())), crashed]).catch((e: Error) => {
      if (/no answer from child/.test(e.message)) capped = true;
      else throw e;
    });
    // Every request has arrived; wait for the workers to record the last outcomes.
    for (;;) {
      counts = await counter.read();
      endedAt = preciseNow();
      cpuAtEnd = workersCpu();
      databaseCpuAtEnd = databaseCpu();
      receiverCpuAtEnd = receiverCpu();
      if (counts.attempts >= options.deliveries && counts.stillSending === 0) break;
      if (endedAt > deadline) {
        capped = true;
        break;
      }
      await Promise.race([new Promise((r) => setTimeout(r, 20)), crashed]);
    }
  } finally {
    await Promise.all(workers.map((w) => stopChild(w, "SIGTERM", options.stopGraceMs)));
  }
  const peaks = memory.map((m) => m.stop());
  const stats = await receiver.stats();
  const after = await counter.read();
  await counter.close();
  // Attempts recorded without a request reaching the receiver are not deliveries: say why instead of a rate.
  if (stats.firstArrivalAt === null)
    throw new Error(`no request reached the receiver (${after.attempts} attempts recorded); the worker's log ends:\n${workers[0].output().slice(-2000)}`);
  const startedAt = stats.firstArrivalAt;
  const seconds = Math.max(1e-9, (endedAt - startedAt) / 1000);
  const completed = Math.min(counts?.attempts ?? 0, options.deliveries);
  const perDelivery = (from: number | null, to: number | null) =>
    to !== null && from !== null && completed > 1 ? ((to - from) * 1e6) / (completed - 1) : null;
  return {
    deliveries: options.deliveries,
    workers: workerCount,
    completed,
    seconds,
    deliveriesPerSecond: completed / seconds,
    capped,
    workerStartupMs: startedAt - spawnedAt,
    workerCpuMicrosPerDelivery: perDelivery(cpuAtFirstSend, cpuAtEnd),
    databaseCpuMicrosPerDelivery: database.engine === "postgres" && cpuAtFirstSend !== null ? perDelivery(databaseCpuAtFirstSend, databaseCpuAtEnd) : undefined,
    receiverCpuMicrosPerDelivery: cpuAtFirstSend !== null ? perDelivery(receiverCpuAtFirstSend, receiverCpuAtEnd) : null,
    memory: {
      treePeakBytes: Math.max(...peaks.map((p) => p.treePeakBytes)),
      largestProcessPeakBytes: Math.max(...peaks.map((p) => p.largestProcessPeakBytes)),
    },
    outcomes: { attempts: after.attempts, delivered: after.delivered, retryScheduled: after.retryScheduled, stillSending: after.stillSending },
    receiver: { requests: stats.requests, answered500: stats.answered500, unsigned: stats.unsigned },
  };
}
