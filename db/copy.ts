import { count, getTableColumns, sql } from "drizzle-orm";
import { closeDb, migratePostgres, openPostgres, openSqlite, redactUrl, type Db } from "./client";
import { defineSchema } from "./schema/tables";
import { pgKit, sqliteKit } from "./schema/kit";

/**
 * `herald copy-db --to postgres://…`: moves an embedded install to PostgreSQL.
 * Every table is copied as stored — channel secrets stay sealed with the same
 * key, ids and times unchanged — in one PostgreSQL transaction (all or
 * nothing), after migrating the target; an empty target is required, and the
 * row counts of both sides are compared at the end.
 */

export class CopyError extends Error {}

export type CopyReport = { tables: { table: string; rows: number }[]; seconds: number };

// Rows per INSERT: PostgreSQL takes at most 65,535 parameters a statement.
const MAX_PARAMETERS = 60_000;
// Rows read from SQLite at a time, so a large history is never all in memory.
const READ_ROWS = 5_000;

export async function copySqliteToPostgres(sqlitePath: string, postgresUrl: string, progress: (line: string) => void = () => {}): Promise<CopyReport> {
  const started = Date.now();
  const source = openSqlite(sqlitePath); // brings the source up to date first: both sides then have the same schema
  const target = openPostgres(postgresUrl, { pool: 2 });
  const from = defineSchema(sqliteKit);
  const to = defineSchema(pgKit);
  try {
    try {
      await migratePostgres(target);
    } catch (e) {
      throw new CopyError(`--to: cannot use the PostgreSQL database at ${redactUrl(postgresUrl)}: ${(e as Error).message}`);
    }
    for (const [name, table] of Object.entries(to)) {
      const [{ n }] = await target.select({ n: count() }).from(table);
      if (n > 0) throw new CopyError(`--to: the target database is not empty (${name} has ${n} rows); copy into a new, empty database`);
    }
    const tables: CopyReport["tables"] = [];
    await target.transaction(async (tx) => {
      for (const [name, sourceTable] of Object.entries(from)) {
        const targetTable = to[name as keyof typeof to];
        const columns = getTableColumns(sourceTable);
        const rowsPerInsert = Math.max(1, Math.floor(MAX_PARAMETERS / Object.keys(columns).length));
        let copied = 0;
        // Keyset paging on SQLite's rowid: every table has one, whatever its primary key.
        for (let after = 0; ;) {
          const page = (await (source as Db)
            .select({ ...columns, rowid: sql<number>`rowid` })
            .from(sourceTable)
            .where(sql`rowid > ${after}`)
            .orderBy(sql`rowid`)
            .limit(READ_ROWS)) as (Record<string, unknown> & { rowid: number })[];
          if (!page.length) break;
          after = page[page.length - 1].rowid;
          const rows = page.map(({ rowid: _rowid, ...row }) => row);
          for (let i = 0; i < rows.length; i += rowsPerInsert) await tx.insert(targetTable).values(rows.slice(i, i + rowsPerInsert) as never);
          copied += rows.length;
        }
        tables.push({ table: name, rows: copied });
        progress(`${name}: ${copied} rows`);
      }
    });
    // The proof: both sides count the same rows in every table.
    for (const [name, sourceTable] of Object.entries(from)) {
      const [{ n: expected }] = await (source as Db).select({ n: count() }).from(sourceTable);
      const [{ n: actual }] = await target.select({ n: count() }).from(to[name as keyof typeof to]);
      if (expected !== actual) throw new CopyError(`${name}: ${expected} rows in SQLite but ${actual} in PostgreSQL after the copy`);
    }
    return { tables, seconds: (Date.now() - started) / 1000 };
  } finally {
    await closeDb(source);
    await closeDb(target);
  }
}
