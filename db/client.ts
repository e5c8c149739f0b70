import Database from "better-sqlite3";
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import path from "node:path";
import { sql, type SQL } from "drizzle-orm";
import { drizzle as drizzleSqlite, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate as migrateSqlite } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { acquireWriteLock, releaseWriteLock, withWriteLock } from "./write-lock";
import { env } from "@/lib/env";

/**
 * The database handle every query function takes first. It is typed as
 * drizzle's PostgreSQL database: the data layer is written once, awaiting
 * queries and using `.returning()`, and runs unchanged on SQLite, whose
 * builders accept the same calls (db/schema/kit.ts). The few statements that
 * must differ between the engines branch on `engineOf(handle)`.
 */
export type Db = NodePgDatabase;
/** A transaction handle; query functions accept either. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;
export type Engine = "sqlite" | "postgres";

const MIGRATIONS_DIR = { sqlite: path.join(process.cwd(), "drizzle", "sqlite"), postgres: path.join(process.cwd(), "drizzle", "postgres") };

type SqliteDb = BetterSQLite3Database & { $client: Database.Database };
type PgDb = NodePgDatabase & { $client: pg.Pool | pg.PoolClient };

/**
 * State shared by every copy of this module in the process. `herald start`
 * loads it twice — in the CLI's bundle, which opens the database, and in
 * Next's server bundle, which uses it — so nothing here may live in a
 * module-level variable: it goes on the handle (a global symbol) or on globalThis.
 */
const ENGINE = Symbol.for("herald.db.engine");
const shared = globalThis as unknown as {
  heraldSqliteTransaction?: AsyncLocalStorage<Database.Database>;
  heraldSqliteQueues?: WeakMap<Database.Database, Promise<unknown>>;
  heraldStatements?: WeakMap<Database.Database, Map<string, Database.Statement>>;
};

/** The engine behind a database or transaction handle (a SQLite transaction handle is its database). */
export function engineOf(handle: DbOrTx): Engine {
  return (handle as unknown as { [ENGINE]?: Engine })[ENGINE] ?? "postgres";
}

function markEngine(handle: object, engine: Engine) {
  Object.defineProperty(handle, ENGINE, { value: engine });
}

// ---------------------------------------------------------------- SQLite

/** Opens a SQLite file with the pragmas Herald relies on, and applies pending migrations. */
export function openSqlite(file: string, options: { migrate?: boolean } = {}): Db {
  // Only Herald's own user may read the database (sealed secrets, password hashes, events): a new
  // file is made 0600, like the key files, and SQLite gives its -wal and -shm files the same mode.
  if (file !== ":memory:" && !fs.existsSync(file)) fs.closeSync(fs.openSync(file, "a", 0o600));
  const sqlite = new Database(file);
  // A new database gives pruned space back to the file system in small steps (lib/retention/prune.ts);
  // auto_vacuum can only be chosen before the first table (an older file: `herald vacuum`).
  if (Number(sqlite.pragma("page_count", { simple: true })) === 0) sqlite.pragma("auto_vacuum = INCREMENTAL");
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // NORMAL is durable in WAL mode across process crashes (only an OS crash can
  // lose the last transactions), which is the failure model we promise.
  sqlite.pragma("synchronous = NORMAL");
  // Checkpoint the WAL every ~16 MB instead of every ~4 MB: a checkpoint fsyncs and
  // stalls the writer that triggers it, and most pages written between two of them are
  // the same hot index pages, copied back once either way.
  sqlite.pragma("wal_autocheckpoint = 4000");
  const db = drizzleSqlite(sqlite) as SqliteDb;
  if (options.migrate !== false) migrateSqlite(db, { migrationsFolder: MIGRATIONS_DIR.sqlite });
  db.transaction = asyncTransaction(db) as unknown as SqliteDb["transaction"];
  markEngine(db, "sqlite");
  return db as unknown as Db;
}

// The SQLite transaction the current async context runs in, if any.
const sqliteTransactionContext = (shared.heraldSqliteTransaction ??= new AsyncLocalStorage<Database.Database>());
// Per connection: the tail of the queue of write transactions waiting their turn.
const sqliteQueues = (shared.heraldSqliteQueues ??= new WeakMap<Database.Database, Promise<unknown>>());

/**
 * Runs `work` when no other write transaction of this thread holds the
 * connection. A SQLite connection has one transaction at a time, and every
 * async context of the thread shares it: async transactions take turns here,
 * and the synchronous hot paths (ingest, claims, outcomes) queue behind them.
 */
function sqliteExclusive<T>(sqlite: Database.Database, work: () => T | Promise<T>): Promise<T> {
  const previous = sqliteQueues.get(sqlite) ?? Promise.resolve();
  const run = previous.then(work, work);
  sqliteQueues.set(
    sqlite,
    run.then(
      () => undefined,
      () => undefined,
    ),
  );
  return run;
}

/**
 * Runs synchronous SQLite work (prepared statements: the hot paths) as one
 * write transaction: a savepoint inside the caller's own transaction, and
 * otherwise BEGIN IMMEDIATE under the process's write lock, queued behind this
 * thread's async transactions so it never joins one of theirs by accident.
 */
export async function sqliteWriteTransaction<T>(handle: DbOrTx, work: () => T): Promise<T> {
  const sqlite = sqliteOf(handle);
  const transaction = sqlite.transaction(work);
  if (sqliteTransactionContext.getStore() === sqlite) return transaction();
  return sqliteExclusive(sqlite, () => withWriteLock(() => transaction.immediate()));
}

/**
 * drizzle's better-sqlite3 transactions are synchronous; Herald's are async on
 * both engines. This one begins IMMEDIATE (taking SQLite's write lock at once,
 * so it never has to upgrade from a read and fail with SQLITE_BUSY), holds the
 * process's write lock across threads (db/write-lock.ts), and runs the callback
 * with the database itself as the transaction handle (one connection). A nested
 * call is a savepoint. The callback must await only queries (no network): on
 * SQLite the transaction blocks this thread's other writers until it ends.
 */
function asyncTransaction(db: SqliteDb) {
  const sqlite = db.$client;
  let savepoints = 0;
  return async <T>(callback: (tx: Db) => Promise<T>): Promise<T> => {
    if (sqliteTransactionContext.getStore() === sqlite) {
      const name = `herald_sp${++savepoints}`;
      sqlite.exec(`SAVEPOINT ${name}`);
      try {
        const result = await callback(db as unknown as Db);
        sqlite.exec(`RELEASE ${name}`);
        return result;
      } catch (e) {
        sqlite.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
        throw e;
      }
    }
    return sqliteExclusive(sqlite, () =>
      sqliteTransactionContext.run(sqlite, async () => {
        acquireWriteLock();
        try {
          sqlite.exec("BEGIN IMMEDIATE");
          try {
            const result = await callback(db as unknown as Db);
            sqlite.exec("COMMIT");
            return result;
          } catch (e) {
            if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
            throw e;
          }
        } finally {
          releaseWriteLock();
        }
      }),
    );
  };
}

/**
 * The better-sqlite3 connection behind a SQLite handle, for the hot paths that
 * use prepared statements (ingest, dispatch). The only place that reaches into drizzle.
 */
export function sqliteOf(handle: DbOrTx): Database.Database {
  return (handle as unknown as SqliteDb).$client;
}

const statementCache = (shared.heraldStatements ??= new WeakMap<Database.Database, Map<string, Database.Statement>>());

/**
 * A prepared statement per connection and SQL text, prepared once: preparing
 * costs tens of µs, which matters on the hot paths (ingest, dispatch).
 */
export function prepared(handle: DbOrTx | Database.Database, text: string): Database.Statement {
  const sqlite = handle instanceof Database ? handle : sqliteOf(handle);
  let cache = statementCache.get(sqlite);
  if (!cache) statementCache.set(sqlite, (cache = new Map()));
  let stmt = cache.get(text);
  if (!stmt) cache.set(text, (stmt = sqlite.prepare(text)));
  return stmt;
}

// ------------------------------------------------------------ PostgreSQL

/** A pool on a PostgreSQL server (HERALD_DB_POOL connections). Nothing is sent until the first query. */
export function openPostgres(url: string, options: { pool?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: options.pool ?? env().HERALD_DB_POOL, connectionTimeoutMillis: 10_000 });
  // A client that loses its server (a restart) must not crash the process. An idle one is the pool's
  // ('error' on the pool, which drops it); one checked out (a transaction between two statements) emits
  // 'error' on itself, unhandled unless listened to: its statements then fail, and the pool drops it on release.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = drizzlePg(pool) as PgDb;
  markEngine(db, "postgres");
  return db as Db;
}

/** The pool behind a PostgreSQL handle (for LISTEN, which needs a connection of its own). */
export function postgresPoolOf(handle: Db): pg.Pool {
  return (handle as PgDb).$client as pg.Pool;
}

// Any fixed number: the key of the advisory lock under which nodes migrate, one at a time.
const MIGRATION_LOCK = 7_260_417;

/** Applies pending PostgreSQL migrations under an advisory lock: ten nodes starting at once migrate once. */
export async function migratePostgres(db: Db) {
  const client = await postgresPoolOf(db).connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_DIR.postgres });
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

// ------------------------------------------------------------- Both

/**
 * Opens the database DATABASE_URL names and brings its schema up to date. A
 * PostgreSQL server that cannot be reached stops here, naming the variable.
 */
export async function openDatabase(options: { migrate?: boolean } = {}): Promise<Db> {
  const config = env().database;
  if (config.engine === "sqlite") return openSqlite(config.path, options);
  const db = openPostgres(config.url);
  try {
    if (options.migrate !== false) await migratePostgres(db);
    else await db.execute(sql`SELECT 1`);
  } catch (e) {
    await closeDb(db);
    throw new Error(`DATABASE_URL: cannot use the PostgreSQL database at ${redactUrl(config.url)}: ${(e as Error).message}`);
  }
  return db;
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "****";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export async function closeDb(handle: Db) {
  if (engineOf(handle) === "sqlite") sqliteOf(handle).close();
  else await postgresPoolOf(handle).end();
}

const globalForDb = globalThis as unknown as { heraldDb?: Db };

/**
 * The process's database (survives Next's module reloads in dev). On SQLite it
 * opens and migrates on first use; on PostgreSQL the server and the CLI open it
 * with `openDatabase()` at start (migrations are async), and a first use
 * without that gets a pool on the already-migrated database.
 */
export function db(): Db {
  if (!globalForDb.heraldDb) {
    const config = env().database;
    globalForDb.heraldDb = config.engine === "sqlite" ? openSqlite(config.path) : openPostgres(config.url);
  }
  return globalForDb.heraldDb;
}

/** The process's database if it was opened, without opening it. */
export function currentDb(): Db | undefined {
  return globalForDb.heraldDb;
}

/** Lets tests and the CLI point the process at a given database. */
export function setDb(value: Db | undefined) {
  globalForDb.heraldDb = value;
}

/** Rows of a raw statement, on either engine (write the SQL both engines accept, or branch on engineOf). */
export async function rowsOf<T>(handle: DbOrTx, query: SQL): Promise<T[]> {
  if (engineOf(handle) === "sqlite") return (handle as unknown as SqliteDb).all(query) as T[];
  return (await (handle as Db).execute(query)).rows as T[];
}

/**
 * PostgreSQL: a whole column of values as ONE array parameter — cast it where
 * it is used (`${column(ids)}::text[]`, `unnest(${column(a)}::text[], ${column(b)}::int[])`).
 * node-postgres writes the array literal (quoting every element, null as NULL);
 * drizzle would expand a bare JS array into a list of parameters.
 */
export const column = <T>(values: readonly T[]) => sql.param(values);

/** Rows changed by an awaited insert, update or delete without `.returning()`, on either engine. */
export function changedRows(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}
