import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import path from "node:path";
import * as schema from "./schema";
import { withWriteLock } from "./write-lock";
import { env } from "@/lib/env";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** A transaction handle; query functions accept either. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

const MIGRATIONS_DIR = path.join(process.cwd(), "drizzle");

/** Opens a SQLite file with the pragmas Herald relies on, and applies pending migrations. */
export function openDb(file: string, options: { migrate?: boolean } = {}): Db {
  const sqlite = new Database(file);
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
  const db = drizzle(sqlite, { schema }) as Db;
  writeTransactionsImmediate(db);
  if (options.migrate !== false) migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return db;
}

/**
 * Makes `db.transaction` begin IMMEDIATE (drizzle's default is DEFERRED) and
 * queue on the process's write lock. A deferred transaction that has read
 * cannot wait for another connection's write: SQLite answers SQLITE_BUSY at
 * once, and a console or API write made while the dispatcher thread was
 * committing failed with a 503. An immediate one takes the write lock first
 * (waiting, as every writer does), so it never has to upgrade.
 */
function writeTransactionsImmediate(db: Db) {
  const begin = db.transaction.bind(db);
  db.transaction = ((transaction, config) => withWriteLock(() => begin(transaction, { behavior: "immediate", ...config }))) as Db["transaction"];
}

const globalForDb = globalThis as unknown as { heraldDb?: Db };

/** The process's one database connection (survives Next's module reloads in dev). */
export function db(): Db {
  if (!globalForDb.heraldDb) {
    globalForDb.heraldDb = openDb(env().databasePath);
  }
  return globalForDb.heraldDb;
}

/** Lets tests and the CLI point the process at a given database. */
export function setDb(value: Db | undefined) {
  globalForDb.heraldDb = value;
}

/**
 * The better-sqlite3 connection behind a database or a transaction handle, for
 * hot paths that use prepared statements (ingest, dispatch). A drizzle
 * transaction runs on its database's one connection, so statements prepared
 * here join that transaction. The only place that reaches into drizzle's session.
 */
export function sqliteOf(handle: DbOrTx): Database.Database {
  if ("$client" in handle) return (handle as Db).$client;
  return (handle as unknown as { session: { client: Database.Database } }).session.client;
}

const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * A prepared statement per connection and SQL text, prepared once: preparing
 * costs tens of µs, which matters on the hot paths (ingest, dispatch).
 */
export function prepared(handle: DbOrTx | Database.Database, sql: string): Database.Statement {
  const sqlite = "pragma" in handle ? handle : sqliteOf(handle);
  let cache = statementCache.get(sqlite);
  if (!cache) statementCache.set(sqlite, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = sqlite.prepare(sql)));
  return stmt;
}
