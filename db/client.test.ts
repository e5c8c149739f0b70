import Database from "better-sqlite3";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { orgs } from "@/db/schema";
import { newId } from "@/lib/ids";
import { closeTestDb, onPostgres, testDb } from "@/test/db";
import { closeDb, engineOf, openSqlite, rowsOf, sqliteOf, sqliteWriteTransaction, type Db } from "./client";

let db: Db;
afterEach(async () => {
  if (db) await closeTestDb(db);
  // Closed once: a later test that opens no test database must not close this one again.
  db = undefined as unknown as Db;
});

const org = (slug: string) => ({ id: newId("org"), slug, name: slug });
const slugs = async () => (await db.select({ slug: orgs.slug }).from(orgs).orderBy(orgs.slug)).map((o) => o.slug);

describe("db.transaction (both engines)", () => {
  it("commits what the callback wrote and returns its value", async () => {
    db = await testDb();
    const value = await db.transaction(async (tx) => {
      await tx.insert(orgs).values(org("acme"));
      return "done";
    });
    expect(value).toBe("done");
    expect(await slugs()).toEqual(["acme"]);
  });

  it("rolls back everything the callback wrote when it throws", async () => {
    db = await testDb();
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(orgs).values(org("acme"));
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(await slugs()).toEqual([]);
  });

  it("a nested transaction is a savepoint: its failure rolls back only its own writes", async () => {
    db = await testDb();
    await db.transaction(async (tx) => {
      await tx.insert(orgs).values(org("outer"));
      await expect(
        tx.transaction(async (inner) => {
          await inner.insert(orgs).values(org("inner"));
          throw new Error("inner refused");
        }),
      ).rejects.toThrow("inner refused");
    });
    expect(await slugs()).toEqual(["outer"]);
  });

  it("two transactions started together keep their writes apart: one's rollback never takes the other's rows", async () => {
    db = await testDb();
    const failing = db.transaction(async (tx) => {
      await tx.insert(orgs).values(org("first"));
      await tx.select().from(orgs);
      throw new Error("first refused");
    });
    const succeeding = db.transaction(async (tx) => {
      await tx.insert(orgs).values(org("second"));
      await tx.select().from(orgs);
    });
    await expect(failing).rejects.toThrow("first refused");
    await succeeding;
    expect(await slugs()).toEqual(["second"]);
  });
});

describe("a second copy of db/client in the process", () => {
  it("knows the engine of a handle the first copy opened, and runs its raw queries (herald start loads the module twice: CLI and Next)", async () => {
    db = await testDb();
    vi.resetModules();
    const copy = await import("./client");
    expect(copy.engineOf(db)).toBe(onPostgres() ? "postgres" : "sqlite");
    expect(await copy.rowsOf<{ one: number }>(db, sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });
});

describe("a new SQLite database file", () => {
  it("is readable by Herald's own user only (0600), and so are its WAL and shared-memory files", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-mode-"));
    const file = path.join(dir, "herald.db");
    const sqliteDb = openSqlite(file);
    try {
      await sqliteDb.insert(orgs).values(org("acme"));
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(fs.statSync(f).mode & 0o777, f).toBe(0o600);
    } finally {
      await closeDb(sqliteDb);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(onPostgres())("db.transaction on SQLite", () => {
  it("holds the write lock from its start, so a transaction that reads first never meets SQLITE_BUSY when it writes", async () => {
    db = await testDb();
    expect(engineOf(db)).toBe("sqlite");
    const other = new Database(sqliteOf(db).name);
    other.pragma("busy_timeout = 0");
    await db.transaction(async (tx) => {
      await tx.select().from(orgs);
      // Another connection (the dispatcher thread's, a worker's) cannot start writing meanwhile …
      expect(() => other.prepare("BEGIN IMMEDIATE").run()).toThrow(/locked|busy/i);
      // … so this write, after a read, cannot be refused.
      await tx.insert(orgs).values(org("acme"));
    });
    expect(await slugs()).toEqual(["acme"]);
    other.close();
  });

  it("synchronous hot-path work joins the caller's transaction, and waits for another context's", async () => {
    db = await testDb();
    const insert = (slug: string) => () =>
      sqliteOf(db).prepare("INSERT INTO orgs (id, slug, name, created_at) VALUES (?, ?, ?, ?)").run(newId("org"), slug, slug, Date.now());
    // Inside: rolled back with the caller.
    await expect(
      db.transaction(async (tx) => {
        await sqliteWriteTransaction(tx, insert("joined"));
        throw new Error("caller refused");
      }),
    ).rejects.toThrow("caller refused");
    // Outside, while another context's transaction is open: queued behind it, kept when it rolls back.
    const open = db.transaction(async (tx) => {
      await tx.insert(orgs).values(org("other"));
      await tx.select().from(orgs);
      throw new Error("other refused");
    });
    const separate = sqliteWriteTransaction(db, insert("separate"));
    await expect(open).rejects.toThrow("other refused");
    await separate;
    expect(await slugs()).toEqual(["separate"]);
  });
});

describe.skipIf(!onPostgres())("db on PostgreSQL", () => {
  it("a connection the server drops while a transaction holds it fails that transaction, not the process", async () => {
    db = await testDb();
    const unhandled: unknown[] = [];
    const onError = (e: unknown) => unhandled.push(e);
    process.on("uncaughtException", onError);
    try {
      const killed = db.transaction(async (tx) => {
        const [{ pid }] = await rowsOf<{ pid: number }>(tx, sql`SELECT pg_backend_pid() AS pid`);
        // Between two statements the client is checked out of the pool and idle: the moment pg emits
        // 'error' on it, with no listener unless the pool's handle adds one (a PostgreSQL restart does this).
        await db.execute(sql`SELECT pg_terminate_backend(${pid})`);
        // Wait for the event, not a fixed time: the backend is gone, and its socket's end has reached pg.
        await vi.waitFor(async () => expect(await rowsOf(db, sql`SELECT pid FROM pg_stat_activity WHERE pid = ${pid}`)).toEqual([]), {
          timeout: 20_000,
          interval: 50,
        });
        await tx.execute(sql`SELECT 1`);
      });
      await expect(killed).rejects.toThrow();
      expect(unhandled).toEqual([]);
      // The pool carries on with a new connection.
      expect(await rowsOf(db, sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
    } finally {
      process.off("uncaughtException", onError);
    }
  });

  it("vacuums the history tables at 1 % dead rows, not the default 20 % (issue #18: the growth per delivery at 10 M)", async () => {
    db = await testDb();
    const rows = await rowsOf<{ relname: string; reloptions: string[] | null }>(
      db,
      sql`SELECT relname, reloptions FROM pg_class WHERE relname IN ('deliveries', 'attempts', 'delivery_events', 'events', 'inbox_items') ORDER BY relname`,
    );
    expect(rows.map((r) => [r.relname, r.reloptions?.includes("autovacuum_vacuum_scale_factor=0.01")])).toEqual(
      ["attempts", "deliveries", "delivery_events", "events", "inbox_items"].map((t) => [t, true]),
    );
  });
});
