import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The two engines hold the same model: every table, column (type, null,
 * default, key), index (columns, unique, condition) and foreign key that the
 * latest SQLite migration snapshot describes, the latest PostgreSQL one
 * describes too — types compared through the mapping of db/schema/kit.ts. And
 * each snapshot is what drizzle-kit makes of the schema today (no change left
 * without its migration). A drift in either fails here, naming it.
 */

type Snapshot = { tables: Record<string, SnapshotTable> };
type SnapshotTable = {
  name: string;
  columns: Record<string, { name: string; type: string; primaryKey: boolean; notNull: boolean; default?: unknown }>;
  indexes: Record<string, { name: string; columns: (string | { expression: string })[]; isUnique: boolean; where?: string }>;
  foreignKeys: Record<string, { tableFrom: string; columnsFrom: string[]; tableTo: string; columnsTo: string[]; onDelete?: string }>;
  compositePrimaryKeys: Record<string, { columns: string[] }>;
  uniqueConstraints: Record<string, { columns: string[] }>;
};

const root = path.resolve(import.meta.dirname, "..", "..");

function latestSnapshot(dialect: "sqlite" | "postgres"): Snapshot {
  const dir = path.join(root, "drizzle", dialect, "meta");
  const journal = JSON.parse(fs.readFileSync(path.join(dir, "_journal.json"), "utf8")) as { entries: { idx: number; tag: string }[] };
  const last = journal.entries.at(-1)!;
  return JSON.parse(fs.readFileSync(path.join(dir, `${String(last.idx).padStart(4, "0")}_snapshot.json`), "utf8"));
}

/** The SQLite type each PostgreSQL type is stored as (db/schema/kit.ts). */
const STORED_AS: Record<string, string> = {
  text: "text",
  integer: "integer",
  boolean: "integer",
  "timestamp (3) with time zone": "integer",
  jsonb: "text",
};

/** A default as both engines would agree on it: `true` is SQLite's 1, `'[]'::jsonb` is `'[]'`. */
function normalDefault(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return String(value)
    .replace(/::jsonb$/, "")
    .replace(/^true$/, "1")
    .replace(/^false$/, "0");
}

/** One engine-neutral description of a snapshot, sorted, for a readable diff. */
function describeModel(snapshot: Snapshot, dialect: "sqlite" | "postgres") {
  const tables = Object.values(snapshot.tables).map((t) => ({
    table: t.name,
    columns: Object.values(t.columns)
      .map((c) => ({
        name: c.name,
        type: dialect === "postgres" ? (STORED_AS[c.type] ?? `unmapped ${c.type}`) : c.type,
        primaryKey: c.primaryKey,
        notNull: c.notNull,
        default: normalDefault(c.default),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    indexes: Object.values(t.indexes)
      .map((i) => ({ name: i.name, columns: i.columns.map((c) => (typeof c === "string" ? c : c.expression)), unique: i.isUnique, where: i.where ?? null }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    foreignKeys: Object.values(t.foreignKeys)
      .map((f) => `${f.columnsFrom.join(",")} → ${f.tableTo}(${f.columnsTo.join(",")}) on delete ${f.onDelete ?? "no action"}`)
      .sort(),
    primaryKeys: Object.values(t.compositePrimaryKeys).map((k) => k.columns.join(",")),
    unique: Object.values(t.uniqueConstraints)
      .map((u) => u.columns.join(","))
      .sort(),
  }));
  return tables.sort((a, b) => a.table.localeCompare(b.table));
}

describe("the schema on both engines", () => {
  it("SQLite's and PostgreSQL's latest migrations describe the same tables, columns, defaults, keys and indexes", () => {
    const sqlite = describeModel(latestSnapshot("sqlite"), "sqlite");
    const postgres = describeModel(latestSnapshot("postgres"), "postgres");
    // SQLite declares unique columns as unique indexes, PostgreSQL as constraints: compare them as one set.
    const uniques = (model: ReturnType<typeof describeModel>) =>
      model.map((t) => ({
        ...t,
        indexes: t.indexes.filter((i) => !(i.unique && i.name.endsWith("_unique"))),
        unique: [...t.unique, ...t.indexes.filter((i) => i.unique && i.name.endsWith("_unique")).map((i) => i.columns.join(","))].sort(),
      }));
    expect(uniques(postgres)).toEqual(uniques(sqlite));
  });

  it("each dialect's latest migration is what drizzle-kit makes of db/schema/tables.ts today", async () => {
    const { generateSQLiteDrizzleJson, generateDrizzleJson } = await import("drizzle-kit/api");
    const sqliteTables = await import("./sqlite");
    const postgresTables = await import("./postgres");
    const fromSchema = {
      sqlite: describeModel((await generateSQLiteDrizzleJson(sqliteTables)) as unknown as Snapshot, "sqlite"),
      postgres: describeModel(generateDrizzleJson(postgresTables) as unknown as Snapshot, "postgres"),
    };
    expect(fromSchema.sqlite, "the SQLite schema changed without a migration: npm run db:generate").toEqual(describeModel(latestSnapshot("sqlite"), "sqlite"));
    expect(fromSchema.postgres, "the PostgreSQL schema changed without a migration: npm run db:generate").toEqual(
      describeModel(latestSnapshot("postgres"), "postgres"),
    );
  });
});
