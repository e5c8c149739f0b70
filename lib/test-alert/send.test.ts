import { listEvents } from "@/lib/events/event-log";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import type { Db } from "@/db/client";
import { auditEntries, channels, deliveries, events, inboxItems } from "@/db/schema";
import { actorOf } from "@/lib/auth/permissions";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { getDelivery } from "@/lib/dispatch/delivery-log";
import { startReceiver, type Reply } from "@/lib/dispatch/test-support";
import { startSmtpServer } from "@/lib/channels/testing/receivers";
import { unreadCount } from "@/lib/inbox/queries";
import { testAlertSchema } from "@/lib/validation/test-alert";
import { closeTestDb, testDb } from "@/test/db";
import { sendTestAlert, DIRECT_TEST_ALERT_SOURCE, TEST_ALERT_SOURCE } from "./send";
import type { TestScope } from "./scope";
import { addChannel, retryTestAlert, seedTestAlertOrg } from "./testing";

// A real loopback receiver and a real SMTP server: allowed and configured before anything reads env().
process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_LOG_LEVEL = "silent";
const smtp = await startSmtpServer();
process.env.SMTP_URL = smtp.url;

let db: Db;
let seed: Awaited<ReturnType<typeof seedTestAlertOrg>>;
let scope: TestScope;
let reply: Reply;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let signingSecret: string;
let ids: { hook: string; inbox: string; mail: string };

beforeEach(async () => {
  db = await testDb();
  seed = await seedTestAlertOrg(db);
  scope = { orgId: seed.org.id, product: null };
  reply = { status: 200 };
  receiver = await startReceiver(() => reply);
  signingSecret = generateSigningSecret();
  ids = {
    hook: (await addChannel(db, seed.org.id, { type: "webhook", name: "hook", url: receiver.url, signingSecret })).id,
    inbox: (await addChannel(db, seed.org.id, { type: "inbox", name: "Console inbox" })).id,
    mail: (await addChannel(db, seed.org.id, { type: "email", name: "mail", recipients: "ops@acme.test" })).id,
  };
});

afterEach(async () => {
  await receiver.close();
  await closeTestDb(db);
});

afterAll(() => smtp.close());

const actor = () => actorOf(seed.owner);
const send = (body: Record<string, unknown>) => sendTestAlert(db, scope, actor(), testAlertSchema.parse(body));
const channel = async (id: string) => (await db.select().from(channels).where(eq(channels.id, id)).limit(1))[0];
const TWO_SAMPLES = [
  { type: "deployment.failed", severity: "critical" },
  { type: "storage.unhealthy", severity: "alert" },
];

describe("sendTestAlert", () => {
  it("sends through the real path and reports each channel: a signed webhook POST, the inbox, an e-mail", async () => {
    const { results, eventIds } = await send({ channels: [ids.hook, ids.inbox, ids.mail], events: TWO_SAMPLES });

    expect(results).toEqual([
      expect.objectContaining({
        channelId: ids.hook,
        channelName: "hook",
        state: "delivered",
        ok: true,
        status: 200,
        durationMs: expect.any(Number),
        eventIds,
      }),
      expect.objectContaining({ channelId: ids.inbox, channelType: "inbox", state: "delivered", ok: true }),
      expect.objectContaining({ channelId: ids.mail, state: "delivered", ok: true, status: 250, response: expect.stringMatching(/^250/) }),
    ]);
    // The receiver got one signed POST (array format) with both test events; the signature verifies.
    expect(receiver.received).toHaveLength(1);
    const request = receiver.received[0];
    const body = new Webhook(signingSecret).verify(request.body, request.headers as Record<string, string>) as Record<string, unknown>[];
    expect(request.headers["webhook-id"]).toBe(results[0].deliveryId);
    expect(body).toMatchObject([
      { type: "deployment.failed", severity: "critical", product: "blog", data: { test: true } },
      { type: "storage.unhealthy", severity: "alert", product: null, data: { test: true } },
    ]);
    // Every member of the org has the two test notifications unread.
    for (const userId of seed.memberIds) expect(await unreadCount(db, seed.org.id, userId)).toBe(2);
    expect(smtp.mails.at(-1)?.parsed.subject).toBe("[ALERT] 2 events for ACME");
    // The attempts are in the delivery log, flagged as tests.
    const logged = await getDelivery(db, seed.org.id, results[0].deliveryId);
    expect(logged).toMatchObject({ status: "delivered", isTest: true, eventIds, attempts: [{ status: 200, outcome: "delivered" }] });
    // Audited, naming what was tested.
    const audit = await db.select().from(auditEntries).where(eq(auditEntries.action, "test_alert.sent"));
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({
      channels: [ids.hook, ids.inbox, ids.mail],
      eventTypes: ["deployment.failed", "storage.unhealthy"],
      writeToLog: false,
    });
  });

  it("a failing receiver: the failure with its status and words, one attempt, and the channel's health untouched", async () => {
    await db.update(channels).set({ consecutiveFailures: 4 }).where(eq(channels.id, ids.hook));
    reply = { status: 500 };
    const { results } = await send({ channels: [ids.hook, ids.inbox] });

    expect(results[0]).toMatchObject({ channelId: ids.hook, state: "failed", ok: false, status: 500, error: expect.stringMatching(/500/) });
    expect(results[1]).toMatchObject({ channelId: ids.inbox, ok: true });
    expect(await getDelivery(db, seed.org.id, results[0].deliveryId)).toMatchObject({ status: "failed", attempts: [{ status: 500, outcome: "failed" }] });
    expect(await channel(ids.hook)).toMatchObject({ health: "healthy", consecutiveFailures: 4, lastError: null });
    expect(receiver.received).toHaveLength(1);

    // Fixed receiver: Retry sends the same delivery again (same webhook-id) and it gets through.
    reply = { status: 200 };
    const retried = await retryTestAlert(db, scope, actor(), results[0].deliveryId);
    expect(retried).toMatchObject({ deliveryId: results[0].deliveryId, state: "delivered", ok: true, status: 200 });
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1].headers["webhook-id"]).toBe(receiver.received[0].headers["webhook-id"]);
    expect((await getDelivery(db, seed.org.id, results[0].deliveryId)).attempts.map((a) => a.outcome)).toEqual(["failed", "delivered"]);
    expect(await channel(ids.hook)).toMatchObject({ health: "healthy", consecutiveFailures: 4, lastSuccessAt: null });
  });

  it("writeToLog off: the test events exist only behind their deliveries (marked direct); on: they are in the log, flagged as tests", async () => {
    const direct = await send({ channels: [ids.inbox], events: [TWO_SAMPLES[0]] });
    const logged = await send({ channels: [ids.inbox], events: [TWO_SAMPLES[0]], writeToLog: true });
    const eventOf = async (id: string) => (await db.select().from(events).where(eq(events.id, id)).limit(1))[0];
    expect(await eventOf(direct.eventIds[0])).toMatchObject({ isTest: true, source: DIRECT_TEST_ALERT_SOURCE, type: "deployment.failed" });
    expect(await eventOf(logged.eventIds[0])).toMatchObject({ isTest: true, source: TEST_ALERT_SOURCE, type: "deployment.failed" });
    // Only the logged one is listed in the events page.
    const listed = (await listEvents(db, seed.org.id, { limit: 50 })).events.map((e) => e.id);
    expect(listed).toContain(logged.eventIds[0]);
    expect(listed).not.toContain(direct.eventIds[0]);
    // Either way the delivery and its attempt are in the delivery log.
    for (const r of [direct.results[0], logged.results[0]]) {
      expect(await getDelivery(db, seed.org.id, r.deliveryId)).toMatchObject({ isTest: true, status: "delivered", attempts: [{ outcome: "delivered" }] });
    }
  });

  it("a test sends only to the chosen channels, never through the org's rules", async () => {
    await send({ channels: [ids.inbox], events: TWO_SAMPLES });
    const made = await db.select().from(deliveries);
    expect(made.map((d) => d.channelId)).toEqual([ids.inbox]);
    expect(receiver.received).toHaveLength(0);
  });

  it("retry refuses a delivery that is not a test, or one of a channel outside the scope", async () => {
    const { results } = await send({ channels: [ids.hook] });
    await db.update(deliveries).set({ isTest: false }).where(eq(deliveries.id, results[0].deliveryId));
    await expect(retryTestAlert(db, scope, actor(), results[0].deliveryId)).rejects.toMatchObject({ status: 404 });
    const shopScope: TestScope = { orgId: seed.org.id, product: { id: seed.shop.id, slug: "shop", name: "Shop" } };
    const blogHook = await addChannel(db, seed.org.id, { type: "webhook", name: "blog-hook", url: receiver.url }, seed.blog.id);
    const blogTest = await sendTestAlert(
      db,
      { orgId: seed.org.id, product: { id: seed.blog.id, slug: "blog", name: "Blog" } },
      actor(),
      testAlertSchema.parse({ channels: [blogHook.id] }),
    );
    await expect(retryTestAlert(db, shopScope, actor(), blogTest.results[0].deliveryId)).rejects.toMatchObject({ status: 404 });
    expect(
      await db
        .select()
        .from(inboxItems)
        .where(and(eq(inboxItems.orgId, seed.org.id))),
    ).toHaveLength(0);
  });
});
