import { afterEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { closeDb, engineOf, openPostgres, type Db } from "@/db/client";
import { events, orgs } from "@/db/schema";
import { toAppError } from "@/lib/api/protocol";
import { ingestEvents } from "@/lib/events/ingest";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { recoverStorageHealth, storageFailure } from "./storage-health";
import { errorCode, secondHandle, waitFor } from "./test-support";

/**
 * A database that refuses writes, as a full or read-only disk does: a second
 * handle on the test database whose transactions are read-only — SQLite's
 * `query_only` (SQLITE_READONLY), PostgreSQL's `default_transaction_read_only`
 * (SQLSTATE 25006, what a read-only server answers).
 */

let opened: { db: Db; readOnly: Db } | undefined;

afterEach(async () => {
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
    const answer = toAppError(failure);
    expect([answer.status, answer.code]).toEqual([503, "unavailable"]);
    expect(answer.message).toMatch(/cannot be written/);
    expect(storageFailure()?.code).toMatch(refused);
    expect(await db.select().from(events)).toHaveLength(0);

    // Still failing: nothing is raised, the failure is kept.
    expect(await recoverStorageHealth(readOnly)).toBe(false);
    expect(storageFailure()).not.toBeNull();

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
      toAppError(e);
    }
    expect(storageFailure()).not.toBeNull();
    // The retry comes after 5 s, through the process's database (the writable one).
    await waitFor(() => storageFailure() === null, 30_000, "the retry to raise storage.unhealthy");
    expect(await db.select().from(events).where(eq(events.type, "storage.unhealthy"))).toHaveLength(1);
  }, 60_000);

  it("a PostgreSQL server that is away answers 503, not 500 (drizzle wraps the driver's error)", async () => {
    const net = await import("node:net");
    // A port that was free a moment ago: nothing listens there, so connecting is refused.
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const away = openPostgres(`postgres://herald:x@127.0.0.1:${port}/herald`, { pool: 1 });
    let failure: unknown;
    try {
      await away.select().from(orgs);
    } catch (e) {
      failure = e;
    } finally {
      await closeDb(away);
    }
    expect(failure).toBeDefined();
    const answer = toAppError(failure);
    expect([answer.status, answer.code]).toEqual([503, "unavailable"]);
    expect(answer.message).not.toMatch(/select|params/i);
  });
});
