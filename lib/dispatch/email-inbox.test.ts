import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { Db } from "@/db/client";
import { attempts, deliveries, inboxItems, memberships, productAdmins, products, users } from "@/db/schema";
import { closeMailTransport } from "@/lib/channels/email/module";
import { newId } from "@/lib/ids";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { dispatchOnce } from "./run";
import { insertChannel, queueDelivery } from "./test-support";

/** E-mail through a real SMTP server on 127.0.0.1 (smtp-server), read back with mailparser; and the in-app inbox. */

process.env.HERALD_RETRY_SCHEDULE = "60";

let smtp: SMTPServer;
const mail: { envelopeTo: string[]; parsed: ParsedMail }[] = [];
/** What the server answers to RCPT TO for an address: accept, or a reply code. */
let rcptAnswer: (address: string) => number | null = () => null;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = rcptAnswer(address.address);
      if (code === null) return callback();
      const err = Object.assign(new Error(code >= 500 ? "mailbox unavailable" : "try again later"), { responseCode: code });
      callback(err);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mail.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), parsed });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  process.env.SMTP_URL = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;
  process.env.SMTP_FROM = "Herald <herald@acme.test>";
});

afterAll(async () => {
  closeMailTransport();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

let db: Db;
let orgId: string;

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme", ["owner", "member"])).org.id;
  mail.length = 0;
  rcptAnswer = () => null;
});

afterEach(async () => {
  await closeTestDb(db);
});

const attemptsOf = (deliveryId: string) => db.select().from(attempts).where(eq(attempts.deliveryId, deliveryId)).orderBy(attempts.at, attempts.id);

describe("e-mail deliveries", () => {
  it("one message for all the events of a delivery, to addresses and groups resolved at send time", async () => {
    const productId = newId("prd");
    await db.insert(products).values({ id: productId, orgId, slug: "shop", name: "Shop" });
    const productAdmin = { id: newId("usr"), email: "pa@acme.test" };
    await db.insert(users).values(productAdmin);
    await db.insert(productAdmins).values({ productId, userId: productAdmin.id });
    const channelId = await insertChannel(db, orgId, { type: "email", settings: { recipients: ["ops@example.org", "@owners", "@product-admins"] } });
    const { deliveryId } = await queueDelivery(db, { orgId, channelId, productId, eventCount: 3 });

    expect(await dispatchOnce(db, { deadlineMs: 20_000 })).toMatchObject({ delivered: 1 });

    expect(mail).toHaveLength(1);
    const [{ envelopeTo, parsed }] = mail;
    expect(envelopeTo.sort()).toEqual(["ops@example.org", "owner0@acme.test", "pa@acme.test"]);
    expect(parsed.messageId).toBe(`<${deliveryId}@herald>`);
    expect(parsed.subject).toMatch(/3/);
    for (const title of ["Deploy 1 failed", "Deploy 2 failed", "Deploy 3 failed"]) {
      expect(parsed.html).toContain(title);
      expect(parsed.text).toContain(title);
    }
    expect(parsed.html).toContain("/o/acme/events/");
    const [attempt] = await attemptsOf(deliveryId);
    expect(attempt).toMatchObject({ outcome: "delivered", statusCode: 250 });
    expect(attempt.response).toMatch(/^250/);
  });

  it("a group with nobody in it is reported in the attempt; with no one left the delivery fails", async () => {
    const channelId = await insertChannel(db, orgId, { type: "email", settings: { recipients: ["@admins"] } });
    const { deliveryId } = await queueDelivery(db, { orgId, channelId });
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect(mail).toHaveLength(0);
    const [attempt] = await attemptsOf(deliveryId);
    expect(attempt.outcome).toBe("failed");
    expect(attempt.error).toMatch(/@admins has nobody in it/);
  });

  it("SMTP 4xx is retried later; SMTP 5xx fails without retry", async () => {
    const channelId = await insertChannel(db, orgId, { type: "email", settings: { recipients: ["busy@example.org"] } });
    const other = await insertChannel(db, orgId, { type: "email", settings: { recipients: ["gone@example.org"] } });
    rcptAnswer = (address) => (address.startsWith("busy") ? 451 : 550);
    const busy = (await queueDelivery(db, { orgId, channelId })).deliveryId;
    const gone = (await queueDelivery(db, { orgId, channelId: other })).deliveryId;
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect(await attemptsOf(busy)).toMatchObject([{ outcome: "retry", statusCode: 451 }]);
    expect(await attemptsOf(gone)).toMatchObject([{ outcome: "failed", statusCode: 550 }]);
    expect((await db.select().from(deliveries).where(eq(deliveries.id, busy)))[0].status).toBe("queued");
  });
});

describe("inbox deliveries", () => {
  it("write each event into every member's inbox, once even if delivered twice", async () => {
    const channelId = await insertChannel(db, orgId, { type: "inbox" });
    const { deliveryId, eventIds } = await queueDelivery(db, { orgId, channelId, eventCount: 2 });
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect(await db.select().from(inboxItems)).toHaveLength(4);
    expect(await attemptsOf(deliveryId)).toMatchObject([{ outcome: "delivered" }]);

    await db.update(deliveries).set({ status: "queued" }).where(eq(deliveries.id, deliveryId));
    await dispatchOnce(db, { deadlineMs: 20_000 });
    const items = await db.select().from(inboxItems).orderBy(inboxItems.id);
    expect(items).toHaveLength(4);
    expect(new Set(items.map((i) => i.eventId))).toEqual(new Set(eventIds));
  });

  it("write only to the members the channel names, and not to a named member who left the org", async () => {
    const [member, owner] = (await db.select().from(users)).sort((a, b) => a.email.localeCompare(b.email));
    const leaver = { id: newId("usr"), email: "leaver@acme.test" };
    await db.insert(users).values(leaver);
    await db.insert(memberships).values({ orgId, userId: leaver.id, role: "admin" });
    const other = (await seedOrg(db, "other", ["owner"])).members[0];
    // Named: the owner, someone who then leaves, and a member of another org; not named: `member`.
    const channelId = await insertChannel(db, orgId, { type: "inbox", settings: { members: [owner.email, leaver.email, other.email] } });
    await db.delete(memberships).where(eq(memberships.userId, leaver.id));
    expect(member.email).toBe("member1@acme.test");
    await queueDelivery(db, { orgId, channelId, eventCount: 2 });
    await dispatchOnce(db, { deadlineMs: 20_000 });
    const items = await db.select().from(inboxItems).orderBy(inboxItems.id);
    expect(items.map((i) => i.userId)).toEqual([owner.id, owner.id]);
  });
});
