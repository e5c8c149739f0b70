import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { closeDb, engineOf, openSqlite, sqliteOf, type Db } from "@/db/client";
import { deliveries, deliveryEvents, events } from "@/db/schema";
import { renderMetrics } from "@/lib/dispatch/metrics";
import { insertChannel, secondHandle } from "@/lib/dispatch/test-support";
import { newId } from "@/lib/ids";
import { closeTestDb, onPostgres, seedOrg, testDb } from "@/test/db";
import { PRUNE_INTERVAL_MS, runRetention } from "./prune";

const DAY = 24 * 3600 * 1000;
const NOW = Date.UTC(2026, 11, 5, 12);
const POLICY = { retentionDays: 30, auditRetentionDays: 365 };

async function oldDeliveries(db: Db, count: number, bodyBytes = 0) {
  const { org } = await seedOrg(db, `org${Math.floor(Math.random() * 1e6)}`);
  const channelId = await insertChannel(db, org.id, { type: "inbox" });
  const t = new Date(NOW - 40 * DAY);
  for (let i = 0; i < count; i++) {
    const eventId = newId("evt", t.getTime());
    const deliveryId = newId("dlv", t.getTime());
    await db
      .insert(events)
      .values({ id: eventId, orgId: org.id, type: "x.y", severity: "info", title: "old", data: { pad: "x".repeat(bodyBytes) }, occurredAt: t, receivedAt: t });
    await db.insert(deliveries).values({ id: deliveryId, orgId: org.id, channelId, status: "delivered", nextAttemptAt: t, createdAt: t, updatedAt: t });
    await db.insert(deliveryEvents).values({ deliveryId, eventId });
  }
}

describe("runRetention", () => {
  let db: Db;
  beforeEach(async () => {
    db = await testDb();
  });
  afterEach(() => closeTestDb(db));

  it("runs one pass per interval whichever process asks (the totals row is the lease), and the metrics report it", async () => {
    await oldDeliveries(db, 5);
    const other = secondHandle(db);
    try {
      const [a, b] = await Promise.all([runRetention(db, POLICY, NOW), runRetention(other, POLICY, NOW)]);
      expect([a, b].filter((r) => r === null)).toHaveLength(1);
      expect((a ?? b)!.deliveries).toBe(5);
      // Not due again within the interval; due after it.
      await oldDeliveries(db, 2);
      expect(await runRetention(db, POLICY, NOW + PRUNE_INTERVAL_MS / 2)).toBeNull();
      expect((await runRetention(other, POLICY, NOW + PRUNE_INTERVAL_MS))!.deliveries).toBe(2);
    } finally {
      await closeDb(other);
    }
    const metrics = await renderMetrics(db, NOW);
    expect(metrics).toContain('herald_pruned_rows_total{table="deliveries"} 7');
    expect(metrics).toContain('herald_pruned_rows_total{table="events"} 7');
    expect(Number(/herald_db_size_bytes (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
  });
});

// The schema objects are the suite's engine's: these SQLite-only checks run in the SQLite suite.
describe.skipIf(onPostgres())("space on SQLite", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-retention-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a new database prunes with incremental auto_vacuum: the file's free pages go back", async () => {
    const db = openSqlite(path.join(dir, "herald.db"));
    try {
      expect(engineOf(db)).toBe("sqlite");
      const sqlite = sqliteOf(db);
      expect(sqlite.pragma("auto_vacuum", { simple: true })).toBe(2);
      await oldDeliveries(db, 300, 4000);
      const pagesBefore = Number(sqlite.pragma("page_count", { simple: true }));
      expect((await runRetention(db, POLICY, NOW))!.events).toBe(300);
      expect(sqlite.pragma("freelist_count", { simple: true })).toBe(0);
      expect(Number(sqlite.pragma("page_count", { simple: true }))).toBeLessThan(pagesBefore / 2);
    } finally {
      await closeDb(db);
    }
  });

  it("`herald vacuum` converts a database made without it", async () => {
    const file = path.join(dir, "herald.db");
    const old = new Database(file);
    old.exec("CREATE TABLE made_before (x)"); // a file from before: auto_vacuum can no longer be set by a pragma alone
    old.close();
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        path.resolve("node_modules/.bin/tsx"),
        ["bin/herald.ts", "vacuum"],
        { env: { ...process.env, HERALD_DATA_DIR: dir, DATABASE_URL: file, HERALD_LOG_LEVEL: "silent" }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Vacuumed /);
    const after = new Database(file, { readonly: true });
    try {
      expect(after.pragma("auto_vacuum", { simple: true })).toBe(2);
    } finally {
      after.close();
    }
  }, 90_000);
});
