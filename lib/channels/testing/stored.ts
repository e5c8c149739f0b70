import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { engineOf, rowsOf, sqliteOf, type Db } from "@/db/client";

/**
 * What the database holds, for the leak tests (imported by *.test.ts only).
 * SQLite: the bytes of its file and WAL. PostgreSQL: every row of every table
 * as text, and — where this process may read the server's files (the
 * throw-away test cluster) — the bytes of every relation of the database
 * after a checkpoint (rows an update left behind included).
 */
export async function storedBytes(db: Db): Promise<string> {
  if (engineOf(db) === "sqlite") {
    const sqlite = sqliteOf(db);
    const file = sqlite.name;
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
    return [file, `${file}-wal`]
      .filter(fs.existsSync)
      .map((f) => fs.readFileSync(f).toString("latin1"))
      .join("");
  }
  const tables = (await rowsOf<{ name: string }>(db, sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)).map(
    (r) => r.name,
  );
  const [texts] = await rowsOf<Record<string, string | null>>(
    db,
    sql.raw(`SELECT ${tables.map((t, i) => `(SELECT string_agg(r::text, E'\\n') FROM "${t}" r) AS t${i}`).join(", ")}`),
  );
  let files = "";
  try {
    await rowsOf(db, sql`CHECKPOINT`);
    const [{ dir }] = await rowsOf<{ dir: string }>(db, sql`SELECT current_setting('data_directory') AS dir`);
    fs.accessSync(dir, fs.constants.R_OK);
    const relations = await rowsOf<{ file: string }>(
      db,
      sql`SELECT pg_relation_filepath(c.oid) AS file FROM pg_class c
          WHERE c.relpersistence = 'p' AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
            AND pg_relation_filepath(c.oid) IS NOT NULL`,
    );
    files = relations
      .flatMap(({ file }) => [file, `${file}.1`].map((f) => path.join(dir, f)))
      .filter(fs.existsSync)
      .map((f) => fs.readFileSync(f).toString("latin1"))
      .join("");
  } catch (e) {
    // A server elsewhere, or one this user may not read: the rows as text still count.
    console.warn(`stored bytes: the database's files are not readable here (${(e as Error).message}); scanning its rows only`);
  }
  return Object.values(texts).join("\n") + files;
}
