import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deliveries } from "@/db/schema";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { startDispatcher, type RunningDispatcher } from "./run";
import { insertChannel, queueDelivery, startReceiver, waitFor } from "./test-support";

/** Issue #17 item 7a: a delivery sent as several messages whose 2nd failed must not post the 1st again on retry. */

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";

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

describe("a Slack digest split in messages", () => {
  it("the retry after the 2nd message failed sends the 2nd and 3rd, not the 1st again", async () => {
    // Accepts the 1st message, refuses the 2nd once (503), then accepts everything.
    receiver = await startReceiver((_req, n) => (n === 1 ? { status: 503 } : { status: 200 }));
    const channelId = await insertChannel(db, orgId, { type: "slack", settings: {}, secrets: { url: receiver.url } });
    const { deliveryId } = await queueDelivery(db, { orgId, channelId, eventCount: 3 });
    worker = startDispatcher({ db, retrySchedule: [1, 1] });
    await waitFor(
      async () => (await db.select().from(deliveries).where(eq(deliveries.id, deliveryId)))[0].status === "delivered",
      30_000,
      "the digest delivered",
    );
    const titles = receiver.received.map((r) => (JSON.parse(r.body) as { blocks: { text: { text: string } }[] }).blocks[0].text.text);
    expect(titles).toEqual(["Deploy 1 failed", "Deploy 2 failed", "Deploy 2 failed", "Deploy 3 failed"]);
    const [row] = await db.select().from(deliveries).where(eq(deliveries.id, deliveryId));
    expect(row).toMatchObject({ status: "delivered", attemptCount: 2 });
  });
});
