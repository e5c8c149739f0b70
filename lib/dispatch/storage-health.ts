import fs from "node:fs";
import { db as processDb, type Db } from "@/db/client";
import { orgs } from "@/db/schema";
import { log } from "@/lib/log";
import { raisePlatformEvent } from "@/lib/events/platform";

/**
 * Storage health (DESIGN §3, issue #5 §8). While the database cannot be
 * written nothing can be recorded — not even an event saying so — so a
 * failure is remembered in memory, and `storage.unhealthy` is raised for
 * every org as soon as a write works again. A nearly full disk is raised the
 * same way, once per crossing of the threshold.
 */

const STORAGE_ERROR_CODES = new Set(["SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_CORRUPT"]);
/** PostgreSQL's SQLSTATEs for the same: disk full, out of memory/resources, a read-only (standby or read-only) server. */
const POSTGRES_STORAGE_STATES = new Set(["53100", "53200", "53000", "25006"]);
/** Free space below this fraction of the disk, or below the byte floor, counts as nearly full. */
const LOW_DISK_FRACTION = 0.02;
const LOW_DISK_BYTES = 200 * 1024 * 1024;
const RETRY_MS = 5_000;

type StorageState = { failure: { code: string; since: number } | null; diskLow: boolean; retry?: NodeJS.Timeout };
const globalForStorage = globalThis as unknown as { heraldStorage?: StorageState };
const state = (): StorageState => (globalForStorage.heraldStorage ??= { failure: null, diskLow: false });

export function isStorageError(e: unknown): boolean {
  const code = (e as { code?: string; cause?: { code?: string } })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  if (typeof code !== "string") return false;
  return POSTGRES_STORAGE_STATES.has(code) || STORAGE_ERROR_CODES.has(code.split("_").slice(0, 2).join("_"));
}

/** SQLSTATEs and socket errors of a PostgreSQL server that is away (restarting, shut down, unreachable). */
const POSTGRES_AWAY_STATES = new Set(["57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006", "08P01", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"]);
const POSTGRES_AWAY_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

/** Whether a failure means "the database is away for now" (the API answers 503, the caller may retry), not a bug. */
export function isDatabaseUnavailable(e: unknown): boolean {
  for (let err = e as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; err && depth < 3; err = err.cause as typeof err, depth++) {
    if (typeof err.code === "string" && (POSTGRES_AWAY_STATES.has(err.code) || err.code.startsWith("SQLITE_BUSY"))) return true;
    if (typeof err.message === "string" && POSTGRES_AWAY_MESSAGES.test(err.message)) return true;
  }
  return false;
}

/** Remembers that a write failed for lack of storage; returns whether it was such a failure. */
export function reportStorageFailure(e: unknown): boolean {
  if (!isStorageError(e)) return false;
  const s = state();
  s.failure ??= { code: (e as { code?: string; cause?: { code: string } }).code ?? (e as { cause: { code: string } }).cause.code, since: Date.now() };
  // Also without a dispatcher in this process (HERALD_WORKER=off), try again until a write works.
  if (!s.retry) {
    s.retry = setTimeout(() => {
      s.retry = undefined;
      if (!s.failure) return;
      void recoverStorageHealth(processDb()).then((recovered) => {
        if (!recovered && s.failure) reportStorageFailure({ code: s.failure.code });
      });
    }, RETRY_MS);
    s.retry.unref();
  }
  return true;
}

export function storageFailure(): { code: string; since: number } | null {
  return state().failure;
}

async function raiseForEveryOrg(db: Db, title: string, data: Record<string, unknown>) {
  await db.transaction(async (tx) => {
    for (const { id } of await tx.select({ id: orgs.id }).from(orgs)) {
      await raisePlatformEvent(tx, { orgId: id, type: "storage.unhealthy", title, data, severity: "critical" });
    }
  });
}

/**
 * After a remembered failure, tries to raise `storage.unhealthy`; the write
 * itself is the proof that storage works again. Returns true once raised.
 */
export async function recoverStorageHealth(db: Db): Promise<boolean> {
  const s = state();
  if (!s.failure) return false;
  const failure = s.failure;
  try {
    await raiseForEveryOrg(db, "Herald could not write its database", {
      error: failure.code,
      since: new Date(failure.since).toISOString(),
      recoveredAt: new Date().toISOString(),
    });
  } catch (e) {
    if (!reportStorageFailure(e)) log.error("storage health: could not raise storage.unhealthy", { error: String(e) });
    return false;
  }
  s.failure = null;
  log.warn("storage recovered; raised storage.unhealthy", { error: failure.code });
  return true;
}

/** Raises `storage.unhealthy` when the data dir's disk becomes nearly full (once per crossing). */
export async function checkDiskSpace(db: Db, dir: string): Promise<boolean> {
  let stats: fs.StatsFs;
  try {
    stats = fs.statfsSync(dir);
  } catch {
    return false;
  }
  const free = stats.bavail * stats.bsize;
  const total = stats.blocks * stats.bsize;
  const low = free < LOW_DISK_BYTES || (total > 0 && free / total < LOW_DISK_FRACTION);
  const s = state();
  if (!low) {
    s.diskLow = false;
    return false;
  }
  if (s.diskLow) return false;
  try {
    await raiseForEveryOrg(db, "Herald's disk is nearly full", { freeBytes: free, totalBytes: total });
    s.diskLow = true;
    return true;
  } catch (e) {
    reportStorageFailure(e);
    return false;
  }
}
