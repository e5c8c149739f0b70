import type { Db } from "@/db/client";
import { env } from "@/lib/env";
import type { Sender } from "@/lib/net/post";
import { DeliveryDispatcher, type DispatchCounts, type DispatcherOptions } from "./dispatcher";
import { log } from "@/lib/log";
import { PRUNE_INTERVAL_MS, runRetention } from "@/lib/retention/prune";
import { clockStep, pullInStrandedRetries } from "./clock";
import { checkDiskSpace } from "./storage-health";
import { listenForWakes, subscribeToWakes } from "@/db/wake";

/**
 * The two ways to drive the engine: a long-running loop (the in-process
 * worker and `herald worker`) and one bounded pass (POST /api/dispatch).
 */

export type RunningDispatcher = {
  owner: string;
  counts: DispatchCounts;
  wake(): void;
  stop(): Promise<void>;
};

const DISK_CHECK_MS = 60_000;
/** Checks for a due pruning pass (the pass itself runs once per PRUNE_INTERVAL_MS across nodes). */
const PRUNE_CHECK_MS = PRUNE_INTERVAL_MS / 5;
const FIRST_PRUNE_MS = 60_000;

/**
 * `sender`: what sends the HTTP requests, closed when the dispatcher stops —
 * `herald worker` and `herald start`'s dispatch thread pass their sending
 * thread (lib/net/http-thread-client.ts).
 */
export function startDispatcher(options: DispatcherOptions & { sender?: Sender }): RunningDispatcher {
  const { sender } = options;
  const engine = new DeliveryDispatcher(sender ? { ...options, poster: sender.post } : options);
  const unsubscribe = subscribeToWakes(() => engine.wake());
  // On PostgreSQL, wakes from every node (NOTIFY at commit); nothing on SQLite, where they stay in the process.
  const stopListening = listenForWakes(options.db, () => engine.wake());
  // A backwards clock step (across a restart, or seen while running) must not stall the retries it put off.
  const schedule = options.retrySchedule ?? env().HERALD_RETRY_SCHEDULE;
  const pullIn = () =>
    void pullInStrandedRetries(options.db, schedule).then(
      (moved) => moved > 0 && engine.wake(),
      (e: unknown) => log.error("clock: pulling in stranded retries failed", { error: String(e) }),
    );
  pullIn();
  let stepHandled = clockStep();
  // The data dir's disk holds the SQLite file; a PostgreSQL server watches its own disk.
  const diskTimer = setInterval(() => {
    if (env().database.engine === "sqlite") void checkDiskSpace(options.db, env().dataDir);
    const step = clockStep();
    if (step !== stepHandled) {
      stepHandled = step;
      pullIn();
    }
  }, DISK_CHECK_MS);
  diskTimer.unref();
  // Retention (lib/retention/prune.ts): a pass when one is due, whichever node takes it.
  const prune = () =>
    void runRetention(options.db, { retentionDays: env().HERALD_RETENTION_DAYS, auditRetentionDays: env().HERALD_AUDIT_RETENTION_DAYS }).catch((e: unknown) =>
      log.error("retention: pruning failed", { error: String(e) }),
    );
  const pruneTimer = setInterval(prune, PRUNE_CHECK_MS);
  pruneTimer.unref();
  const firstPrune = setTimeout(prune, FIRST_PRUNE_MS);
  firstPrune.unref();
  engine.start();
  return {
    owner: engine.owner,
    counts: engine.counts,
    wake: () => engine.wake(),
    async stop() {
      unsubscribe();
      await stopListening();
      clearInterval(diskTimer);
      clearInterval(pruneTimer);
      clearTimeout(firstPrune);
      await engine.stop();
      await sender?.close();
    },
  };
}

/**
 * Dispatches what is due now, claiming for at most `deadlineMs`, then hands
 * back what it has not started and waits for the sends in flight (each
 * bounded by the per-attempt timeout). Returns what happened.
 */
export async function dispatchOnce(db: Db, options: { deadlineMs: number } & Omit<DispatcherOptions, "db">): Promise<DispatchCounts> {
  const engine = new DeliveryDispatcher({ ...options, db });
  const idle = engine.idle();
  engine.start();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([idle, new Promise<void>((r) => (timer = setTimeout(r, options.deadlineMs)))]);
  clearTimeout(timer);
  await engine.stop();
  return { ...engine.counts };
}
