import { afterEach, beforeEach, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { engineOf, sqliteOf, type Db } from "@/db/client";
import { attempts, deliveries } from "@/db/schema";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { startDispatcher, type RunningDispatcher } from "./run";
import { insertChannel, queueDelivery, startReceiver, waitFor } from "./test-support";

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_RETRY_SCHEDULE = "3600"; // a 500's retry stays an hour away: one attempt each

/**
 * An outcome the database refuses every time (a bug of ours: a receiver's NUL
 * byte once did it on PostgreSQL) is set aside; it must not stop the outcomes
 * written with it, nor the claims after it. The refusal is a real one: a
 * trigger on `attempts` raises for one delivery's attempt.
 */

let db: Db;
let orgId: string;
let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
let worker: RunningDispatcher | undefined;

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await receiver?.close();
  receiver = undefined;
  await closeTestDb(db);
});

async function refuseAttemptsOf(deliveryId: string) {
  if (engineOf(db) === "sqlite") {
    sqliteOf(db).exec(`CREATE TRIGGER refuse_attempt BEFORE INSERT ON attempts WHEN NEW.delivery_id = '${deliveryId}'
                        BEGIN SELECT RAISE(ABORT, 'refused by the test''s trigger'); END`);
    return;
  }
  await db.execute(
    sql.raw(`CREATE FUNCTION refuse_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN IF NEW.delivery_id = '${deliveryId}' THEN RAISE EXCEPTION 'refused by the test''s trigger'; END IF; RETURN NEW; END $$`),
  );
  await db.execute(sql.raw(`CREATE TRIGGER refuse_attempt BEFORE INSERT ON attempts FOR EACH ROW EXECUTE FUNCTION refuse_attempt()`));
}

const deliveryOf = async (id: string) => (await db.select().from(deliveries).where(eq(deliveries.id, id)))[0]!;

it.each([
  { answer: 200, refusedStatus: "delivered", othersStatus: "delivered" },
  { answer: 500, refusedStatus: "failed", othersStatus: "queued" },
] as const)(
  "answered $answer: the attempt the database refuses finishes its delivery $refusedStatus with the reason; the others of its batch and every later claim go on",
  async ({ answer, refusedStatus, othersStatus }) => {
    receiver = await startReceiver(() => ({ status: answer }));
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: receiver.url, format: "array", authMethod: "none" } });
    const queued: string[] = [];
    for (let i = 0; i < 3; i++) queued.push((await queueDelivery(db, { orgId, channelId })).deliveryId);
    const refused = queued[1];
    await refuseAttemptsOf(refused);

    worker = startDispatcher({ db, pollMs: 100 });
    const attempted = async (id: string) => {
      const d = await deliveryOf(id);
      return d.attemptCount === 1 && d.status !== "sending";
    };
    await waitFor(async () => (await Promise.all(queued.map(attempted))).every(Boolean), 30_000, "the three deliveries attempted");

    // Delivered when the receiver took it (a replay would send it twice); failed, not retried, otherwise.
    expect((await Promise.all(queued.map(deliveryOf))).map((d) => d.status)).toEqual([othersStatus, refusedStatus, othersStatus]);
    const setAside = await deliveryOf(refused);
    expect(setAside.lastError).toMatch(/^Herald could not record this attempt: .*refused by the test's trigger/);
    expect(setAside.leaseOwner).toBeNull();
    expect(await db.select().from(attempts).where(eq(attempts.deliveryId, refused))).toHaveLength(0);
    expect(receiver.received).toHaveLength(3); // each sent once

    // The node is not stalled: a delivery queued afterwards goes out and its attempt is recorded.
    const later = (await queueDelivery(db, { orgId, channelId })).deliveryId;
    worker.wake();
    await waitFor(() => attempted(later), 30_000, "a later delivery attempted");
    expect(await db.select().from(attempts).where(eq(attempts.deliveryId, later))).toHaveLength(1);
  },
  60_000,
);
