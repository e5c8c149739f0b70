/**
 * One writer at a time among the threads of this process, without SQLite's
 * busy handler. When two connections want the write lock, SQLite makes the
 * loser sleep 1, 2, 5, 10 … ms between tries — fine for separate processes,
 * but `herald start` writes from two threads (the API and its dispatcher
 * thread) hundreds of times a second, and those sleeps became the tail of
 * ingest-to-delivery latency. The hot write transactions (ingest, claims,
 * outcomes, lease renewals) take this lock first: a waiting thread is woken
 * the moment the other one commits. Other processes (a standalone worker)
 * still meet SQLite's busy handler, as before.
 */
const globalForLock = globalThis as unknown as { heraldWriteLock?: Int32Array; heraldWriteLockDepth?: number };

/** The lock to share with a new thread (created on first use). */
export function sharedWriteLock(): SharedArrayBuffer {
  globalForLock.heraldWriteLock ??= new Int32Array(new SharedArrayBuffer(4));
  return globalForLock.heraldWriteLock.buffer as SharedArrayBuffer;
}

/** In a thread: use the lock its parent shared. */
export function adoptWriteLock(buffer: SharedArrayBuffer) {
  globalForLock.heraldWriteLock = new Int32Array(buffer);
}

/**
 * Takes the lock (nothing when no lock is shared; re-entrant within a thread).
 * Every acquire is paired with one releaseWriteLock, in a finally.
 */
export function acquireWriteLock() {
  const lock = globalForLock.heraldWriteLock;
  if (!lock) return;
  const depth = globalForLock.heraldWriteLockDepth ?? 0;
  if (depth === 0) while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) Atomics.wait(lock, 0, 1, 100);
  globalForLock.heraldWriteLockDepth = depth + 1;
}

export function releaseWriteLock() {
  const lock = globalForLock.heraldWriteLock;
  if (!lock) return;
  const depth = (globalForLock.heraldWriteLockDepth ?? 1) - 1;
  globalForLock.heraldWriteLockDepth = depth;
  if (depth > 0) return;
  Atomics.store(lock, 0, 0);
  Atomics.notify(lock, 0, 1);
}

/** Runs a synchronous write transaction holding the lock. */
export function withWriteLock<T>(transaction: () => T): T {
  acquireWriteLock();
  try {
    return transaction();
  } finally {
    releaseWriteLock();
  }
}
