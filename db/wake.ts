import { sql } from "drizzle-orm";
import { engineOf, postgresPoolOf, type Db, type DbOrTx } from "@/db/client";
import { log } from "@/lib/log";

/**
 * How the dispatcher hears that work may be due right now (an event was
 * ingested, a delivery retried, a channel re-enabled) instead of waiting for
 * its poll. In one process, listeners are called directly. On PostgreSQL the
 * wake also crosses processes and machines: NOTIFY on the channel below,
 * which PostgreSQL delivers when the writing transaction commits, to every
 * dispatcher LISTENing (listenForWakes) — an event ingested on node A is
 * attempted by a worker on node B at once, not at B's next poll.
 */
type Listener = () => void;
const globalForWake = globalThis as unknown as { heraldDispatchWake?: Set<Listener> };
const listeners = () => (globalForWake.heraldDispatchWake ??= new Set());
const WAKE_CHANNEL = "herald_wake";

export function subscribeToWakes(listener: Listener): () => void {
  listeners().add(listener);
  return () => listeners().delete(listener);
}

/** Wakes this process's dispatchers now. */
function wakeDispatchers() {
  for (const listener of listeners()) listener();
}

/**
 * Wakes the dispatchers once the caller's writes are visible: on PostgreSQL
 * by NOTIFY (sent at commit, to every process; the listeners of this process
 * hear it too), on SQLite on the next turn of the event loop, by which time a
 * transaction (which awaits only SQLite) has committed.
 */
export async function wakeDispatchersOnCommit(handle: DbOrTx) {
  if (engineOf(handle) === "postgres") await handle.execute(sql`SELECT pg_notify(${WAKE_CHANNEL}, '')`);
  else setImmediate(wakeDispatchers);
}

const RECONNECT_MS = [250, 500, 1000, 2000, 5000];

/**
 * On PostgreSQL: a connection of its own that LISTENs for wakes and calls
 * `onWake` for each; reconnects by itself when the server goes away (a wake
 * missed meanwhile is covered by the dispatcher's poll). Nothing on SQLite.
 * Returns the function that stops listening.
 */
export function listenForWakes(db: Db, onWake: () => void): () => Promise<void> {
  if (engineOf(db) !== "postgres") return async () => {};
  const pool = postgresPoolOf(db);
  let stopped = false;
  let failures = 0;
  let client: import("pg").PoolClient | undefined;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (stopped) return;
    try {
      const c = await pool.connect();
      if (stopped) return c.release();
      client = c;
      c.on("notification", (n) => n.channel === WAKE_CHANNEL && onWake());
      c.on("error", () => reconnect(c));
      await c.query(`LISTEN ${WAKE_CHANNEL}`);
      failures = 0;
      // Whatever was ingested while we were not listening is due now.
      onWake();
    } catch (e) {
      if (client) reconnect(client);
      else schedule(e);
    }
  };
  const schedule = (e?: unknown) => {
    if (stopped) return;
    if (failures === 0 && e) log.warn("wake listener lost its PostgreSQL connection; retrying", { error: (e as Error).message });
    timer = setTimeout(() => void connect(), RECONNECT_MS[Math.min(failures++, RECONNECT_MS.length - 1)]);
    timer.unref();
  };
  const reconnect = (c: import("pg").PoolClient) => {
    if (client !== c) return;
    client = undefined;
    c.removeAllListeners("notification");
    c.release(true);
    schedule(new Error("connection ended"));
  };
  void connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    const c = client;
    client = undefined;
    if (c) {
      await c.query(`UNLISTEN ${WAKE_CHANNEL}`).catch(() => {});
      c.release();
    }
  };
}
