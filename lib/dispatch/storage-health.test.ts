import { afterEach, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { closeDb, engineOf, openPostgres, type Db } from "@/db/client";
import { events, orgs } from "@/db/schema";
import { answerFailure } from "@/lib/api/protocol";
import { ingestEvents } from "@/lib/events/ingest";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { GET as health } from "@/app/api/health/route";
import { freePortSync } from "@/test/postgres-cluster";
import { renderMetrics } from "./metrics";
import { probeStorage, recoverStorageHealth, reportStorageFailure, storageFailure } from "./storage-health";
import { databaseAddress, errorCode, secondHandle, waitFor } from "./test-support";

/**
 * A database that refuses writes, as a full or read-only disk does: a second
 * handle on the test database whose transactions are read-only — SQLite's
 * `query_only` (SQLITE_READONLY), PostgreSQL's `default_transaction_read_only`
 * (SQLSTATE 25006, what a read-only server answers).
 */

let opened: { db: Db; readOnly: Db } | undefined;

afterEach(async () => {
  vi.useRealTimers();
  if (!opened) return;
  // Nothing may stay pending: once the test database is closed, the retry timer would open the process's default one.
  await waitFor(() => storageFailure() === null, 30_000, "no storage failure left over");
  await closeDb(opened.readOnly);
  await closeTestDb(opened.db);
  opened = undefined;
});

async function setUp() {
  const db = await testDb();
  opened = { db, readOnly: secondHandle(db, { readOnly: true }) };
  return { ...opened, refused: engineOf(db) === "sqlite" ? /^SQLITE_READONLY/ : /^25006$/ };
}

describe("storage health", () => {
  it("a write refused by a read-only database answers 503, and storage.unhealthy is raised once writes work again", async () => {
    const { db, readOnly, refused } = await setUp();
    const acme = (await seedOrg(db, "acme")).org;
    const globex = (await seedOrg(db, "globex")).org;

    let failure: unknown;
    try {
      await ingestEvents(readOnly, acme.id, [{ type: "billing.credits_low", title: "x" }], { indexed: true });
    } catch (e) {
      failure = e;
    }
    expect(errorCode(failure)).toMatch(refused);
    const answer = answerFailure(failure);
    expect([answer.status, answer.code]).toEqual([503, "unavailable"]);
    expect(answer.message).toMatch(/cannot be written/);
    expect(storageFailure()?.code).toMatch(refused);
    expect(await db.select().from(events)).toHaveLength(0);

    // Still failing: nothing is raised, the failure is kept.
    vi.setSystemTime(Date.now() + 6_000);
    expect(await recoverStorageHealth(readOnly)).toBe(false);
    expect(storageFailure()).not.toBeNull();

    vi.setSystemTime(Date.now() + 6_000);
    expect(await recoverStorageHealth(db)).toBe(true);
    expect(storageFailure()).toBeNull();
    for (const org of [acme, globex]) {
      const raised = await db.select().from(events).where(eq(events.orgId, org.id));
      expect(raised).toMatchObject([{ type: "storage.unhealthy", severity: "critical", title: "Herald could not write its database" }]);
      expect(raised[0].data).toMatchObject({ error: expect.stringMatching(refused) });
    }
    expect(await recoverStorageHealth(db)).toBe(false);
  });

  it("without a dispatcher in the process, it keeps trying on its own and raises storage.unhealthy when writes work", async () => {
    const { db, readOnly } = await setUp();
    const acme = (await seedOrg(db, "acme")).org;
    try {
      await ingestEvents(readOnly, acme.id, [{ type: "billing.credits_low", title: "x" }], { indexed: true });
    } catch (e) {
      answerFailure(e);
    }
    expect(storageFailure()).not.toBeNull();
    // The retry comes after 5 s, through the process's database (the writable one).
    await waitFor(() => storageFailure() === null, 30_000, "the retry to raise storage.unhealthy");
    expect(await db.select().from(events).where(eq(events.type, "storage.unhealthy"))).toHaveLength(1);
  }, 60_000);

  it("from the first failed write until writes work again, /api/health answers 503 with the reason and herald_storage_healthy is 0 (issue #17 §3)", async () => {
    const { db, readOnly, refused } = await setUp();
    const acme = (await seedOrg(db, "acme")).org;
    expect((await health()).status).toBe(200);
    expect(await renderMetrics(db)).toMatch(/^herald_storage_healthy 1$/m);

    const first = Date.now();
    vi.setSystemTime(first); // a fixed clock: "since" is exactly the first failure's time
    const failWrite = async () => {
      try {
        await ingestEvents(readOnly, acme.id, [{ type: "billing.credits_low", title: "x" }], { indexed: true });
      } catch (e) {
        answerFailure(e);
      }
    };
    await failWrite();
    vi.setSystemTime(first + 3_000);
    await failWrite(); // a later failure does not move "since"

    const answer = await health();
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({
      status: "unavailable",
      reason: "database writes fail",
      checks: { storage: { ok: false, error: expect.stringMatching(refused), since: new Date(first).toISOString() }, clock: { ok: true } },
    });
    expect(await renderMetrics(db)).toMatch(/^herald_storage_healthy 0$/m);

    // A tiny write can fit where the API's writes do not (a nearly full disk): while writes keep failing it is not a recovery.
    vi.setSystemTime(first + 5_000);
    expect(await recoverStorageHealth(db)).toBe(false);
    expect((await health()).status).toBe(503);

    // No failure for 5 s and a write works: healthy again, and the event tells since when it was not.
    vi.setSystemTime(first + 8_500);
    expect(await recoverStorageHealth(db)).toBe(true);
    expect((await health()).status).toBe(200);
    expect(await renderMetrics(db)).toMatch(/^herald_storage_healthy 1$/m);
    const [raised] = await db.select().from(events).where(eq(events.type, "storage.unhealthy"));
    expect(raised.data).toMatchObject({ since: new Date(first).toISOString() });
  });

  it("the start's write probe reports a database that cannot be written at once, before any request", async () => {
    const { db, readOnly, refused } = await setUp();
    await seedOrg(db, "acme");
    expect(await probeStorage(db)).toBe(true);
    expect(storageFailure()).toBeNull();

    expect(await probeStorage(readOnly)).toBe(false);
    expect(storageFailure()?.code).toMatch(refused);
    expect((await health()).status).toBe(503);
    expect(await renderMetrics(db)).toMatch(/^herald_storage_healthy 0$/m);
    // The probe leaves nothing behind.
    vi.setSystemTime(Date.now() + 6_000);
    expect(await recoverStorageHealth(db)).toBe(true);
    expect((await health()).status).toBe(200);
  });

  it("PostgreSQL: a database that cannot be reached is reported as a storage failure", async () => {
    const { db } = await setUp();
    if (engineOf(db) !== "postgres") return;
    const url = new URL(databaseAddress(db));
    url.port = String(freePortSync()); // nothing listens there: the server is gone
    const gone = openPostgres(url.toString(), { pool: 1 });
    try {
      await probeStorage(gone);
      expect(storageFailure()?.code).toBe("ECONNREFUSED");
      expect((await health()).status).toBe(503);
    } finally {
      await closeDb(gone);
    }
    vi.setSystemTime(Date.now() + 6_000);
    expect(await recoverStorageHealth(db)).toBe(true);
  });

  it("a busy SQLite file is contention, not a storage failure", () => {
    expect(reportStorageFailure({ code: "SQLITE_BUSY" })).toBe(false);
    expect(storageFailure()).toBeNull();
  });

  it("PostgreSQL: the API answers 503, not 500, while the server is away (drizzle wraps the driver's error)", async () => {
    const { db } = await setUp();
    if (engineOf(db) !== "postgres") return;
    const url = new URL(databaseAddress(db));
    url.port = String(freePortSync()); // nothing listens there: the server is gone
    const gone = openPostgres(url.toString(), { pool: 1 });
    let failure: unknown;
    try {
      await gone.select().from(orgs);
    } catch (e) {
      failure = e;
    } finally {
      await closeDb(gone);
    }
    const answer = answerFailure(failure);
    expect([answer.status, answer.code]).toEqual([503, "unavailable"]);
    // The answer says what happened, not drizzle's wrapper (which quotes the query and its parameters).
    expect(answer.message).not.toMatch(/select|params/i);
    vi.setSystemTime(Date.now() + 6_000);
    expect(await recoverStorageHealth(db)).toBe(true);
  });
});
