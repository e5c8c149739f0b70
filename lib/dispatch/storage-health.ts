import fs from "node:fs";
import { db as processDb, type Db } from "@/db/client";
import { eq } from "drizzle-orm";
import { endedSessions, orgs } from "@/db/schema";
import { log } from "@/lib/log";
import { raisePlatformEvent } from "@/lib/events/platform";

/**
 * Storage health (DESIGN §3, issue #5 §8, issue #17 §3). While the database
 * cannot be written nothing can be recorded — not even an event saying so —
 * so a failure is remembered in memory: `/api/health` answers 503 and
 * `herald_storage_healthy` is 0 from the first failed write (any write:
 * ingest, outcomes, claims, the start's probe) until writes work again, and
 * then `storage.unhealthy` is raised for every org with the first failure's
 * time. A nearly full disk is raised the same way, once per crossing of the
 * threshold.
 */

const STORAGE_ERROR_CODES = new Set(["SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_CORRUPT"]);
/** PostgreSQL's SQLSTATEs for the same: disk full, out of memory/resources, a read-only (standby or read-only) server. */
const POSTGRES_STORAGE_STATES = new Set(["53100", "53200", "53000", "25006"]);
/** Free space below this fraction of the disk, or below the byte floor, counts as nearly full. */
const LOW_DISK_FRACTION = 0.02;
const LOW_DISK_BYTES = 200 * 1024 * 1024;
/**
 * A failure stays reported until no write has failed for this long and a
 * write then works: on a nearly full disk a tiny write (the probe, the
 * storage.unhealthy event) can fit while the API's own writes keep failing,
 * and health must say what the API is doing, not flap with every small write.
 */
const QUIET_MS = 5_000;

type Failure = { code: string; since: number; lastAt: number };
type StorageState = {
  failure: Failure | null;
  diskLow: boolean;
  retry?: NodeJS.Timeout;
  /** Set on herald start's dispatch thread: failures go to the main thread, which answers health and metrics and raises the event. */
  forward?: (failure: Failure) => void;
};
const globalForStorage = globalThis as unknown as { heraldStorage?: StorageState };
const state = (): StorageState => (globalForStorage.heraldStorage ??= { failure: null, diskLow: false });

function isStorageError(e: unknown): boolean {
  const code = (e as { code?: string; cause?: { code?: string } })?.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  if (typeof code !== "string") return false;
  return POSTGRES_STORAGE_STATES.has(code) || STORAGE_ERROR_CODES.has(code.split("_").slice(0, 2).join("_"));
}

/** SQLSTATEs and socket errors of a PostgreSQL server that is away (restarting, shut down, unreachable). */
const POSTGRES_AWAY_STATES = new Set([
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "08P01",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
]);
const POSTGRES_AWAY_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

/** The code (or "unreachable") of a PostgreSQL server that is away, found in the error or its causes. */
function awayCode(e: unknown): string | undefined {
  for (let err = e as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; err && depth < 3; err = err.cause as typeof err, depth++) {
    if (typeof err.code === "string" && POSTGRES_AWAY_STATES.has(err.code)) return err.code;
    if (typeof err.message === "string" && POSTGRES_AWAY_MESSAGES.test(err.message)) return "unreachable";
  }
  return undefined;
}

/** The code of a failure for lack of storage or of a database that is away; undefined for any other failure. Pure. */
function storageFailureCode(e: unknown): string | undefined {
  return isStorageError(e) ? ((e as { code?: string; cause?: { code: string } }).code ?? (e as { cause: { code: string } }).cause.code) : awayCode(e);
}

/** Contention: SQLite busy or locked; PostgreSQL's serialization failure, deadlock, lock or statement timeout, too many connections. */
const CONTENTION_STATES = new Set(["40001", "40P01", "55P03", "57014", "53300"]);

/** The innermost error of a chain (a driver's, under the query builder's "Failed query: …" wrapper). */
export function rootError(e: unknown): { code?: unknown; message?: unknown } {
  let err = e as { code?: unknown; message?: unknown; cause?: unknown };
  for (let depth = 0; depth < 3 && err?.cause && typeof err.cause === "object"; depth++) err = err.cause as typeof err;
  return err ?? {};
}

/**
 * Whether the same write may work if tried again as it is: storage that is
 * short or away, or contention. Any other failure (a constraint, a value the
 * database refuses, a bug of ours) fails again every time.
 */
export function isPassingDbFailure(e: unknown): boolean {
  if (storageFailureCode(e) !== undefined) return true;
  const code = rootError(e).code;
  return typeof code === "string" && (CONTENTION_STATES.has(code) || code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * Remembers that a write failed for lack of storage, or because the database
 * is away (a lost PostgreSQL server cannot be written either); returns
 * whether it was such a failure. A busy SQLite file is contention, not a
 * storage failure: the caller answers 503 without this.
 */
export function reportStorageFailure(e: unknown): boolean {
  const code = storageFailureCode(e);
  if (code === undefined) return false;
  noteStorageFailure(code, Date.now());
  return true;
}

/** Records a failed write seen at `at` (here or, on herald start, on its dispatch thread); "since" stays the first one's time. */
export function noteStorageFailure(code: string, since: number, lastAt = since) {
  const s = state();
  if (s.failure) {
    s.failure.since = Math.min(s.failure.since, since);
    s.failure.lastAt = Math.max(s.failure.lastAt, lastAt);
  } else {
    s.failure = { code, since, lastAt };
    log.error("storage unhealthy: a database write failed", { code, since: new Date(since).toISOString() });
  }
  s.forward?.({ ...s.failure });
  scheduleRecovery();
}

/** Sends every failure of this thread to `forward` (herald start's dispatch thread → its main thread). */
export function forwardStorageFailures(forward: (failure: Failure) => void) {
  state().forward = forward;
}

/** Also without a dispatcher in this process (HERALD_WORKER=off), try again once the failures have stopped for QUIET_MS. */
function scheduleRecovery() {
  const s = state();
  if (s.retry || !s.failure) return;
  s.retry = setTimeout(
    () => {
      s.retry = undefined;
      if (!s.failure) return;
      void recoverStorageHealth(processDb()).then(() => scheduleRecovery());
    },
    Math.max(100, s.failure.lastAt + QUIET_MS - Date.now()),
  );
  s.retry.unref();
}

/** The failure health and metrics report: unhealthy from the first failed write until writes work again. */
export function storageFailure(): { code: string; since: number } | null {
  const failure = state().failure;
  return failure && { code: failure.code, since: failure.since };
}

/**
 * A tiny committed write (a row added and removed in one transaction): a
 * start on a still-full disk or without its database reports the failure at
 * once instead of at the first ingest. Returns whether the write worked.
 */
export async function probeStorage(db: Db): Promise<boolean> {
  try {
    await db.transaction(async (tx) => {
      // An ended-session id no session can have (ids are generated), gone again when the transaction commits.
      await tx
        .insert(endedSessions)
        .values({ id: PROBE_ID, expiresAt: new Date(0) })
        .onConflictDoNothing();
      await tx.delete(endedSessions).where(eq(endedSessions.id, PROBE_ID));
    });
    return true;
  } catch (e) {
    if (!reportStorageFailure(e)) log.error("storage health: the write probe failed", { error: String(e) });
    return false;
  }
}
const PROBE_ID = "herald-storage-probe";

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
  if (!s.failure || Date.now() - s.failure.lastAt < QUIET_MS) return false;
  const failure = s.failure;
  const lastAt = failure.lastAt;
  // On the dispatch thread the main thread raises the event: here a working write is all it takes.
  if (s.forward) {
    if (!(await probeStorage(db)) || s.failure !== failure || failure.lastAt !== lastAt) return false;
    s.failure = null;
    return true;
  }
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
  // A write that failed meanwhile keeps it unhealthy (the event raised says since when; the next one will say it again).
  if (failure.lastAt !== lastAt) return false;
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
