import Database from "better-sqlite3";
import path from "node:path";
import { preciseNow } from "../receiver";
import type { Receiver } from "../lib/receiver-client";
import { cpuSecondsOfTree, sampleMemory, spawnHerald, stopChild, type MemoryPeak } from "../lib/processes";

/**
 * Delivery throughput: one standalone worker (`herald worker`) drains a
 * pre-seeded queue to the receiver. The clock runs from the first request the
 * receiver sees (so the worker's start-up — loading TypeScript, migrating —
 * is left out; it is reported apart) to the moment the database shows every
 * delivery's first attempt recorded and none still `sending`.
 */

export type DrainOptions = {
  databasePath: string;
  env: Record<string, string | undefined>;
  deliveries: number;
  failFraction: number;
  /** Stop waiting after this long and report the rate over what was done. */
  capMs: number;
  /** Extra node flags for the worker (e.g. --cpu-prof). */
  nodeArgs?: string[];
};

export type DrainResult = {
  deliveries: number;
  /** Deliveries whose first attempt was recorded within the measured window. */
  completed: number;
  seconds: number;
  deliveriesPerSecond: number;
  capped: boolean;
  workerStartupMs: number;
  /**
   * Worker CPU time (user + system) per delivery from its first send to the end, in µs:
   * much less sensitive than the rate to other load on the machine, so the figure to
   * compare when judging a change.
   */
  workerCpuMicrosPerDelivery: number | null;
  memory: MemoryPeak;
  /** From the database after the run: a check that the figure counts real outcomes. */
  outcomes: { attempts: number; delivered: number; retryScheduled: number; stillSending: number };
  receiver: { requests: number; answered500: number; unsigned: number };
};

type Counts = { attempts: number; delivered: number; retryScheduled: number; stillSending: number; untouched: number };

function readCounts(sqlite: Database.Database): Counts {
  return sqlite
    .prepare(
      `SELECT (SELECT count(*) FROM attempts) AS attempts,
              (SELECT count(*) FROM deliveries WHERE status = 'delivered') AS delivered,
              (SELECT count(*) FROM deliveries WHERE status = 'queued' AND attempt_count > 0) AS retryScheduled,
              (SELECT count(*) FROM deliveries WHERE status = 'sending') AS stillSending,
              (SELECT count(*) FROM deliveries WHERE status = 'queued' AND attempt_count = 0) AS untouched`,
    )
    .get() as Counts;
}

export async function drainQueue(receiver: Receiver, options: DrainOptions): Promise<DrainResult> {
  await receiver.reset();
  await receiver.configure({ failFraction: options.failFraction, measureLatency: false });
  const logFile = path.join(path.dirname(options.databasePath), "worker.log");
  const spawnedAt = preciseNow();
  const worker = spawnHerald(["worker"], { env: options.env, nodeArgs: options.nodeArgs, logFile });
  const memory = sampleMemory(worker.pid!);
  const crashed = new Promise<never>((_, reject) =>
    worker.once("exit", (code, signal) => reject(new Error(`the worker exited early (code ${code}, signal ${signal}):\n${worker.output()}`))),
  );
  crashed.catch(() => {});
  const deadline = spawnedAt + options.capMs;
  let capped = false;
  let endedAt = spawnedAt;
  let counts: Counts | undefined;
  // CPU used before the first send is start-up (loading TypeScript, opening the database): left out.
  let cpuAtFirstSend: number | null = null;
  let cpuAtEnd: number | null = null;
  // A plain connection (read-only ones cannot open a WAL database before its -shm exists); it only reads.
  const sqlite = new Database(options.databasePath, { fileMustExist: true });
  try {
    await Promise.race([receiver.waitForCount(1, options.capMs), crashed]).then(
      () => (cpuAtFirstSend = cpuSecondsOfTree(worker.pid!)),
      () => {},
    );
    await Promise.race([receiver.waitForCount(options.deliveries, Math.max(1, deadline - preciseNow())), crashed]).catch((e: Error) => {
      if (/no answer from child/.test(e.message)) capped = true;
      else throw e;
    });
    // Every request has arrived; wait for the worker to record the last outcomes.
    for (;;) {
      counts = readCounts(sqlite);
      endedAt = preciseNow();
      cpuAtEnd = cpuSecondsOfTree(worker.pid!);
      if (counts.attempts >= options.deliveries && counts.stillSending === 0) break;
      if (endedAt > deadline) {
        capped = true;
        break;
      }
      await Promise.race([new Promise((r) => setTimeout(r, 20)), crashed]);
    }
  } finally {
    await stopChild(worker);
  }
  const peak = memory.stop();
  const stats = await receiver.stats();
  const after = readCounts(sqlite);
  sqlite.close();
  const startedAt = stats.firstArrivalAt ?? endedAt;
  const seconds = Math.max(1e-9, (endedAt - startedAt) / 1000);
  const completed = Math.min(counts?.attempts ?? 0, options.deliveries);
  return {
    deliveries: options.deliveries,
    completed,
    seconds,
    deliveriesPerSecond: completed / seconds,
    capped,
    workerStartupMs: startedAt - spawnedAt,
    workerCpuMicrosPerDelivery:
      cpuAtEnd !== null && cpuAtFirstSend !== null && completed > 1 ? ((cpuAtEnd - cpuAtFirstSend) * 1e6) / (completed - 1) : null,
    memory: peak,
    outcomes: { attempts: after.attempts, delivered: after.delivered, retryScheduled: after.retryScheduled, stillSending: after.stillSending },
    receiver: { requests: stats.requests, answered500: stats.answered500, unsigned: stats.unsigned },
  };
}
