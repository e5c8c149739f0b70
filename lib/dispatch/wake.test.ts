import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { closeDb, engineOf, rowsOf, type Db } from "@/db/client";
import { ruleChannels, rules } from "@/db/schema";
import { ingestEvents } from "@/lib/events/ingest";
import { newId } from "@/lib/ids";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { startDispatcher, type RunningDispatcher } from "./run";
import { insertChannel, secondHandle, startReceiver, waitFor } from "./test-support";

/**
 * An ingested event is attempted at once, not at the dispatcher's next poll:
 * in the process by a direct call, and on PostgreSQL from another node too
 * (NOTIFY at commit, LISTEN in every dispatcher). Here the event is ingested
 * through a second handle on the database — another connection, as another
 * node's — and the dispatcher polls only once a minute.
 */

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";

let db: Db;
let other: Db;
let worker: RunningDispatcher | undefined;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeEach(async () => {
  db = await testDb();
  other = secondHandle(db);
  receiver = await startReceiver();
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await receiver.close();
  await closeDb(other);
  await closeTestDb(db);
});

describe("wake-ups", () => {
  it("an event ingested through another connection is sent long before the next poll", async () => {
    const orgId = (await seedOrg(db, "acme")).org.id;
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: receiver.url } });
    const ruleId = newId("rul");
    await db
      .insert(rules)
      .values({ id: ruleId, orgId, name: "all", eventTypes: "all", severities: ["debug", "info", "warning", "error", "critical", "alert"], mode: "immediate" });
    await db.insert(ruleChannels).values({ ruleId, channelId });

    worker = startDispatcher({ db, pollMs: 60_000 });
    // On PostgreSQL, once the dispatcher LISTENs (it claims once then, which must not be what sends the event).
    const listening = async () =>
      engineOf(db) === "sqlite" ||
      (await rowsOf<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`))[0]
        .n > 0;
    await waitFor(listening, 30_000, "the wake listener");
    await new Promise((r) => setTimeout(r, 100));
    const ingestedAt = Date.now();
    const [result] = await ingestEvents(other, orgId, [{ type: "billing.credits_low", title: "wake up" }], { indexed: false });
    expect(result.deliveries).toBe(1);
    await waitFor(() => receiver.received.length === 1, 30_000, `the delivery (${engineOf(db)})`);
    expect(Date.now() - ingestedAt).toBeLessThan(30_000);
  }, 60_000);
});
