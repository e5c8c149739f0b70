import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { openDb } from "@/db/client";
import { events } from "@/db/schema";
import { toAppError } from "@/lib/api/protocol";
import { ingestEvents } from "@/lib/events/ingest";
import { seedOrg, testDb } from "@/test/db";
import { recoverStorageHealth, storageFailure } from "./storage-health";
import { waitFor } from "./test-support";

describe("storage health", () => {
  it("a write refused by a read-only database answers 503, and storage.unhealthy is raised once writes work again", () => {
    const db = testDb();
    const acme = seedOrg(db, "acme").org;
    const globex = seedOrg(db, "globex").org;
    const readOnly = openDb(db.$client.name, { migrate: false });
    readOnly.$client.pragma("query_only = ON");

    let failure: unknown;
    try {
      ingestEvents(readOnly, acme.id, [{ type: "billing.credits_low", title: "x" }], { indexed: true });
    } catch (e) {
      failure = e;
    }
    expect((failure as { code?: string })?.code).toMatch(/^SQLITE_READONLY/);
    const answer = toAppError(failure);
    expect([answer.status, answer.code]).toEqual([503, "unavailable"]);
    expect(answer.message).toMatch(/cannot be written/);
    expect(storageFailure()?.code).toMatch(/^SQLITE_READONLY/);
    expect(db.select().from(events).all()).toHaveLength(0);

    // Still failing: nothing is raised, the failure is kept.
    expect(recoverStorageHealth(readOnly)).toBe(false);
    expect(storageFailure()).not.toBeNull();

    expect(recoverStorageHealth(db)).toBe(true);
    expect(storageFailure()).toBeNull();
    for (const org of [acme, globex]) {
      const raised = db.select().from(events).where(eq(events.orgId, org.id)).all();
      expect(raised).toMatchObject([{ type: "storage.unhealthy", severity: "critical", title: "Herald could not write its database" }]);
      expect(raised[0].data).toMatchObject({ error: expect.stringMatching(/^SQLITE_READONLY/) });
    }
    expect(recoverStorageHealth(db)).toBe(false);
    readOnly.$client.close();
  });

  it("without a dispatcher in the process, it keeps trying on its own and raises storage.unhealthy when writes work", async () => {
    const db = testDb();
    const acme = seedOrg(db, "acme").org;
    const readOnly = openDb(db.$client.name, { migrate: false });
    readOnly.$client.pragma("query_only = ON");
    try {
      ingestEvents(readOnly, acme.id, [{ type: "billing.credits_low", title: "x" }], { indexed: true });
    } catch (e) {
      toAppError(e);
    }
    expect(storageFailure()).not.toBeNull();
    await waitFor(() => storageFailure() === null, 12_000, "the retry to raise storage.unhealthy");
    expect(db.select().from(events).where(eq(events.type, "storage.unhealthy")).all()).toHaveLength(1);
    readOnly.$client.close();
  });
});
