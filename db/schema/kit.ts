import * as pg from "drizzle-orm/pg-core";
import * as sqlite from "drizzle-orm/sqlite-core";

/**
 * The column and table builders Herald's schema is written with, once, for
 * both engines. `defineSchema(kit)` (./tables.ts) is called with the SQLite kit
 * or the PostgreSQL kit; every table is declared in one place, so the two
 * dialects cannot drift apart, and drizzle-kit generates each dialect's
 * migrations from its own instance (./sqlite.ts, ./postgres.ts).
 *
 * The kit is typed as the PostgreSQL one: the data layer is written against
 * PostgreSQL's query builder types (awaited queries, `.returning()`), which
 * SQLite's builders also accept at run time. The stored values agree across
 * engines: times are `Date`s (SQLite: integer milliseconds; PostgreSQL:
 * timestamptz(3)), flags are booleans, JSON columns are parsed values.
 */
export const pgKit = {
  dialect: "postgres" as "postgres" | "sqlite",
  table: pg.pgTable,
  text: (name: string) => pg.text(name),
  textEnum: <const T extends readonly [string, ...string[]]>(name: string, values: T) =>
    pg.text(name, { enum: values as unknown as [T[number], ...T[number][]] }),
  integer: (name: string) => pg.integer(name),
  boolean: (name: string) => pg.boolean(name),
  timestamp: (name: string) => pg.timestamp(name, { withTimezone: true, precision: 3, mode: "date" }),
  json: <T>(name: string) => pg.jsonb(name).$type<T>(),
  index: pg.index,
  uniqueIndex: pg.uniqueIndex,
  primaryKey: pg.primaryKey,
};

export type SchemaKit = typeof pgKit;

const sqliteKitImpl = {
  dialect: "sqlite",
  table: sqlite.sqliteTable,
  text: (name: string) => sqlite.text(name),
  textEnum: (name: string, values: readonly [string, ...string[]]) => sqlite.text(name, { enum: values as [string, ...string[]] }),
  integer: (name: string) => sqlite.integer(name),
  boolean: (name: string) => sqlite.integer(name, { mode: "boolean" }),
  timestamp: (name: string) => sqlite.integer(name, { mode: "timestamp_ms" }),
  json: (name: string) => sqlite.text(name, { mode: "json" }),
  index: sqlite.index,
  uniqueIndex: sqlite.uniqueIndex,
  primaryKey: sqlite.primaryKey,
};

/** SQLite's builders under the shared (PostgreSQL-shaped) type; their chained modifiers have the same names. */
export const sqliteKit = sqliteKitImpl as unknown as SchemaKit;
