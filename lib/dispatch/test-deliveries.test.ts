import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { attempts, channels, deliveries } from "@/db/schema";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { dispatchOnce } from "./run";
import { insertChannel, queueDelivery, startReceiver, type Reply } from "./test-support";

// Test-alert deliveries (is_test) go through the normal engine, but get one
// attempt and never touch the channel's health; `onlyDeliveries` sends just them.
process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_LOG_LEVEL = "silent";

let db: Db;
let orgId: string;
let reply: Reply;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let channelId: string;

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  reply = { status: 200 };
  receiver = await startReceiver(() => reply);
  channelId = await insertChannel(db, orgId, { type: "webhook", name: "hook", settings: { url: receiver.url } });
});

afterEach(async () => {
  await receiver.close();
  await closeTestDb(db);
});

async function queueTest(): Promise<string> {
  const { deliveryId } = await queueDelivery(db, { orgId, channelId });
  await db.update(deliveries).set({ isTest: true }).where(eq(deliveries.id, deliveryId));
  return deliveryId;
}

const channel = async () => (await db.select().from(channels).where(eq(channels.id, channelId)))[0]!;
const delivery = async (id: string) => (await db.select().from(deliveries).where(eq(deliveries.id, id)))[0]!;

describe("test deliveries in the dispatcher", () => {
  it("a failing test delivery is recorded, fails after one attempt, and leaves the channel's health alone", async () => {
    // One failure away from `failing`: a real failure would tip it over.
    await db.update(channels).set({ consecutiveFailures: 4, lastError: "earlier error" }).where(eq(channels.id, channelId));
    reply = { status: 500 };
    const id = await queueTest();
    await dispatchOnce(db, { deadlineMs: 20_000 });

    expect(receiver.received).toHaveLength(1);
    expect(await delivery(id)).toMatchObject({ status: "failed", attemptCount: 1 });
    expect(await db.select().from(attempts).where(eq(attempts.deliveryId, id))).toMatchObject([{ outcome: "failed", statusCode: 500 }]);
    expect(await channel()).toMatchObject({ health: "healthy", consecutiveFailures: 4, lastError: "earlier error", lastSuccessAt: null });
  });

  it("a 410 on a test does not disable the channel", async () => {
    reply = { status: 410 };
    const id = await queueTest();
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect((await delivery(id)).status).toBe("failed");
    expect((await channel()).health).toBe("healthy");
  });

  it("a delivered test does not count as the channel's last success either", async () => {
    const id = await queueTest();
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect((await delivery(id)).status).toBe("delivered");
    expect((await channel()).lastSuccessAt).toBeNull();
  });

  it("a real delivery that fails still counts (the control case)", async () => {
    await db.update(channels).set({ consecutiveFailures: 4 }).where(eq(channels.id, channelId));
    reply = { status: 500 };
    const { deliveryId } = await queueDelivery(db, { orgId, channelId });
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect((await delivery(deliveryId)).status).toBe("queued");
    expect(await channel()).toMatchObject({ health: "failing", consecutiveFailures: 5 });
  });

  it("onlyDeliveries claims the named deliveries and leaves every other due one queued", async () => {
    const other = (await queueDelivery(db, { orgId, channelId })).deliveryId;
    const mine = await queueTest();
    const counts = await dispatchOnce(db, { deadlineMs: 20_000, onlyDeliveries: [mine] });
    expect(counts.claimed).toBe(1);
    expect((await delivery(mine)).status).toBe("delivered");
    expect(await delivery(other)).toMatchObject({ status: "queued", attemptCount: 0 });
  });
});
