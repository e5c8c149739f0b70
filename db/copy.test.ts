import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { closeDb, openPostgres, openSqlite, sqliteOf, type Db } from "./client";
import { CopyError, copySqliteToPostgres } from "./copy";
import { pgKit, sqliteKit } from "./schema/kit";
import { defineSchema } from "./schema/tables";

/**
 * `herald copy-db`: a SQLite install with every kind of value (times, flags,
 * JSON, sealed secrets, nulls, non-ASCII text) arrives in PostgreSQL row for
 * row. Needs a PostgreSQL server: runs in the PostgreSQL run of the suite.
 */
const admin = process.env.HERALD_TEST_PG_ADMIN_URL;
const opened: Db[] = [];

async function emptyPostgresDatabase(): Promise<string> {
  const name = `herald_copy_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const server = openPostgres(admin!, { pool: 1 });
  await server.execute(sql.raw(`CREATE DATABASE ${name}`));
  await closeDb(server);
  const url = new URL(admin!);
  url.pathname = `/${name}`;
  return url.toString();
}

function seededSqlite(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "herald-copy-")), "herald.db");
  const db = openSqlite(file);
  const s = sqliteOf(db);
  const t = Date.UTC(2026, 11, 4, 10, 30, 15, 123);
  s.prepare("INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('usr_1', 'ünïcode@acme.test', 'Zoë ✓', '$2b$hash', ?)").run(t);
  s.prepare("INSERT INTO orgs (id, slug, name, created_at) VALUES ('org_1', 'acme', 'Acme', ?)").run(t);
  s.prepare("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ('org_1', 'usr_1', 'owner', ?)").run(t);
  s.prepare(
    `INSERT INTO channels (id, org_id, type, name, enabled, settings, secrets, secret_hints, health, consecutive_failures, failing_since, created_at, updated_at)
     VALUES ('ch_1', 'org_1', 'webhook', 'Hook', 0, '{"format":"array","members":["a@x.org"]}', '{"url":{"kid":"k1","iv":"aXY=","ct":"Y3Q=","tag":"dGFn"}}', '{"url":"https://x/****"}', 'failing', 7, ?, ?, ?)`,
  ).run(t, t, t);
  s.prepare(
    `INSERT INTO events (id, org_id, type, severity, title, data, is_test, occurred_at, received_at, idempotency_key)
     VALUES ('evt_1', 'org_1', 'billing.credits_low', 'warning', 'Low "credits" \\ here', '{"nested":{"n":1.5,"list":[1,"two",null]}}', 1, ?, ?, 'key-1')`,
  ).run(t, t + 1);
  s.prepare(
    `INSERT INTO deliveries (id, org_id, channel_id, status, attempt_count, next_attempt_at, is_test, created_at, updated_at, last_error)
     VALUES ('dlv_1', 'org_1', 'ch_1', 'dead', 8, ?, 0, ?, ?, NULL)`,
  ).run(t, t, t);
  s.prepare("INSERT INTO delivery_events (delivery_id, event_id) VALUES ('dlv_1', 'evt_1')").run();
  s.prepare(
    "INSERT INTO attempts (id, delivery_id, at, duration_ms, outcome, status_code, response, error) VALUES ('att_1', 'dlv_1', ?, 15000, 'dead', 503, 'busy', 'timed out')",
  ).run(t);
  sqliteOf(db).close();
  return file;
}

/** Every row of every table, by table, as the engine reads it back (ordered by primary key text). */
async function contents(db: Db, tables: ReturnType<typeof defineSchema>) {
  const out: Record<string, unknown[]> = {};
  for (const [name, table] of Object.entries(tables)) {
    const rows = (await db.select().from(table)) as Record<string, unknown>[];
    out[name] = rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
  }
  return out;
}

describe.skipIf(!admin)("herald copy-db (SQLite → PostgreSQL)", () => {
  afterAll(async () => {
    for (const db of opened) await closeDb(db);
  });

  it("copies every table, value for value, and verifies the row counts", async () => {
    const file = seededSqlite();
    const url = await emptyPostgresDatabase();
    const report = await copySqliteToPostgres(file, url);
    expect(report.tables.find((t) => t.table === "attempts")?.rows).toBe(1);

    const source = openSqlite(file, { migrate: false });
    const target = openPostgres(url, { pool: 1 });
    opened.push(source, target);
    const before = await contents(source, defineSchema(sqliteKit));
    const after = await contents(target, defineSchema(pgKit));
    expect(after).toEqual(before);
    expect(before.channels).toHaveLength(1);
    expect(before.events[0]).toContain('Low \\"credits\\"');
  });

  it("refuses a target that already holds data, and changes nothing in it", async () => {
    const url = await emptyPostgresDatabase();
    await copySqliteToPostgres(seededSqlite(), url);
    await expect(copySqliteToPostgres(seededSqlite(), url)).rejects.toThrow(CopyError);
    await expect(copySqliteToPostgres(seededSqlite(), url)).rejects.toThrow(/not empty \(users has 1 rows\)/);
  });

  it("names --to when the target cannot be reached", async () => {
    await expect(copySqliteToPostgres(seededSqlite(), "postgres://nobody@127.0.0.1:1/none")).rejects.toThrow(
      /^--to: cannot use the PostgreSQL database at postgres:\/\/nobody@127\.0\.0\.1:1\/none/,
    );
  });
});
