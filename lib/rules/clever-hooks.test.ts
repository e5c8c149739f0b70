import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { products, users } from "@/db/schema";
import { createOrg } from "@/lib/accounts/create-org";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { closeMailTransport } from "@/lib/channels/email/module";
import { startReceiver, startSmtpServer, useTestEnvironment, type Receiver } from "@/lib/channels/testing/receivers";
import { dispatchOnce } from "@/lib/dispatch/run";
import { newId } from "@/lib/ids";
import { setNotificationConfig } from "@/lib/rules/notification-config";
import { notificationConfigSchema } from "@/lib/validation/notification-config";
import { call } from "@/test/api";
import { closeTestDb, testDb } from "@/test/db";
import * as webhooks from "@/app/api/v2/notifications/webhooks/[org]/route";
import * as webhook from "@/app/api/v2/notifications/webhooks/[org]/[hook]/route";
import * as emailhooks from "@/app/api/v2/notifications/emailhooks/[org]/route";
import * as emailhook from "@/app/api/v2/notifications/emailhooks/[org]/[hook]/route";
import * as events from "@/app/api/v1/events/route";

/**
 * Clever Cloud's hooks API as clever-tools calls it (issue #19 item 8), through
 * the route handlers, with deliveries checked at a loopback receiver and a real
 * SMTP server: `clever webhooks add/list/remove`, `clever notify-email
 * add/list/remove`, and the default deployment result e-mails a new org gets.
 */
let db: Db;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let receiver: Receiver;
let org: { id: string; slug: string };
let ownerId: string;
let admin: string;
let read: string;

const base = "http://127.0.0.1/api/v2/notifications";
type Handler = Parameters<typeof call>[0];
const req = (handler: Handler, method: string, path: string, body?: unknown, token = admin, params: Record<string, string> = {}) =>
  call(handler, { method, url: `${base}/${path}`, token, body, params: { org: org.slug, ...params } });
const postEvent = (body: Record<string, unknown>) =>
  call(events.POST, { method: "POST", url: "http://127.0.0.1/api/v1/events", token: admin, body: { severity: "error", title: "t", ...body } });
const deliver = () => dispatchOnce(db, { deadlineMs: 20_000 });

beforeAll(async () => {
  smtp = await startSmtpServer();
  receiver = await startReceiver();
  useTestEnvironment({
    HERALD_ALLOW_PRIVATE_TARGETS: "1",
    SMTP_URL: smtp.url,
    SMTP_FROM: "Herald <herald@acme.test>",
    HERALD_PUBLIC_URL: "https://herald.example",
  });
});
afterAll(async () => {
  closeMailTransport();
  await receiver.close();
  await smtp.close();
});
beforeEach(async () => {
  if (db) await closeTestDb(db);
  db = await testDb();
  ownerId = newId("usr");
  await db.insert(users).values({ id: ownerId, email: "owner@acme.test" });
  org = await createOrg(db, ownerId, { type: "user", id: ownerId, label: "owner@acme.test" }, "Acme");
  await db.insert(products).values([
    { id: newId("prd"), orgId: org.id, slug: "web-shop", name: "Web shop" },
    { id: newId("prd"), orgId: org.id, slug: "api", name: "API" },
  ]);
  admin = (await insertApiToken(db, { orgId: org.id, name: "clever-tools", role: "admin" })).token;
  read = (await insertApiToken(db, { orgId: org.id, name: "read", role: "read" })).token;
  receiver.requests.length = 0;
  smtp.mails.length = 0;
});

describe("Clever Cloud e-mail hooks", () => {
  it("a new org has the default deployment result e-mails to its owners; removing it stops them", async () => {
    const listed = await req(emailhooks.GET, "GET", `emailhooks/${org.slug}`);
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual([
      expect.objectContaining({
        name: "Default deployment result e-mails",
        ownerId: org.slug,
        notified: [{ type: "organisation", target: org.slug }],
        events: ["deployment.succeeded", "deployment.failed"],
        scope: [],
      }),
    ]);
    expect((await postEvent({ type: "deployment.failed", product: "web-shop" })).status).toBe(202);
    await deliver();
    expect(smtp.mails.map((m) => m.envelopeTo)).toEqual([["owner@acme.test"]]);

    const removed = await req(emailhook.DELETE, "DELETE", `emailhooks/${org.slug}/${listed.json[0].id}`, undefined, admin, { hook: listed.json[0].id });
    expect(removed.status).toBe(204);
    expect((await req(emailhooks.GET, "GET", `emailhooks/${org.slug}`)).json).toEqual([]);
    await postEvent({ type: "deployment.failed", product: "web-shop" });
    await deliver();
    expect(smtp.mails).toHaveLength(1);
  });

  it("`clever notify-email add` mails addresses and members by id, for the events and applications named", async () => {
    const created = await req(emailhooks.POST, "POST", `emailhooks/${org.slug}`, {
      name: "shop deploys",
      notified: [
        { type: "email", target: "ops@acme.test" },
        { type: "userid", target: ownerId },
      ],
      scope: ["web-shop"],
      events: ["DEPLOYMENT_FAIL"],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: "shop deploys",
      scope: ["web-shop"],
      events: ["deployment.failed"],
      notified: [
        { type: "email", target: "ops@acme.test" },
        { type: "email", target: "owner@acme.test" },
      ],
    });
    await postEvent({ type: "deployment.failed", product: "api", title: "other application" });
    await postEvent({ type: "deployment.succeeded", product: "web-shop", severity: "info", title: "other event" });
    await postEvent({ type: "deployment.failed", product: "web-shop", title: "shop failed" });
    await deliver();
    const ours = smtp.mails.filter((m) => m.envelopeTo.includes("ops@acme.test"));
    expect(ours).toHaveLength(1);
    expect(ours[0].parsed.subject).toContain("shop failed");
    expect(ours[0].envelopeTo.sort()).toEqual(["ops@acme.test", "owner@acme.test"]);

    const unknownMember = await req(emailhooks.POST, "POST", `emailhooks/${org.slug}`, { notified: [{ type: "userid", target: "user_nobody" }] });
    expect(unknownMember).toMatchObject({
      status: 422,
      json: { error: { fields: { "notified.0.target": ['no member of this organization has the id "user_nobody"'] } } },
    });
  });
});

describe("Clever Cloud webhooks", () => {
  it("`clever webhooks add` with format raw posts Herald's JSON for the events and applications named; remove deletes it", async () => {
    const created = await req(webhooks.POST, "POST", `webhooks/${org.slug}`, {
      name: "deployments",
      urls: [{ format: "raw", url: receiver.url("/clever?token=s3cret") }],
      scope: ["web-shop"],
      events: ["META_DEPLOYMENT_RESULT"],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: "deployments", ownerId: org.slug, scope: ["web-shop"], events: ["deployment.succeeded", "deployment.failed"] });
    // The URL is a credential: masked when read back.
    expect(JSON.stringify(created.json)).not.toContain("s3cret");

    await postEvent({ type: "deployment.succeeded", product: "web-shop", severity: "info", title: "shop deployed" });
    await postEvent({ type: "deployment.failed", product: "api", title: "api failed" });
    await postEvent({ type: "log.entry", product: "web-shop", title: "a log line" });
    await deliver();
    const titles = receiver.requests.flatMap((r) => (JSON.parse(r.body) as { title: string }[]).map((e) => e.title));
    expect(titles).toEqual(["shop deployed"]);

    const listed = await req(webhooks.GET, "GET", `webhooks/${org.slug}`, undefined, read);
    expect(listed.json.map((h: { id: string }) => h.id)).toEqual([created.json.id]);
    expect(listed.json[0].urls[0].format).toBe("raw");
    expect((await req(webhook.DELETE, "DELETE", `webhooks/${org.slug}/${created.json.id}`, undefined, admin, { hook: created.json.id })).status).toBe(204);
    expect((await req(webhooks.GET, "GET", `webhooks/${org.slug}`)).json).toEqual([]);
    // Saving the org rules as a whole (CIPP-style config) leaves the hooks' rules to this API.
    const again = await req(webhooks.POST, "POST", `webhooks/${org.slug}`, { urls: [{ url: receiver.url("/again") }] });
    expect(
      (await setNotificationConfig(db, org, { type: "system", label: "test" }, notificationConfigSchema.parse({ rules: [] }))).rules.map((r) => r.name),
    ).toEqual(expect.arrayContaining(["raw webhook", "Default deployment result e-mails"]));
    expect((await req(webhooks.GET, "GET", `webhooks/${org.slug}`)).json.map((h: { id: string }) => h.id)).toEqual([again.json.id]);
    // Not a hook any more, and never an e-mail hook.
    expect((await req(webhook.DELETE, "DELETE", `webhooks/${org.slug}/${created.json.id}`, undefined, admin, { hook: created.json.id })).status).toBe(404);
  });

  it("format slack makes a Slack channel; what Herald cannot do is refused naming the field", async () => {
    const slack = await req(webhooks.POST, "POST", `webhooks/${org.slug}`, {
      urls: [{ format: "slack", url: "https://hooks.slack.com/services/T0/B0/cleverSECRET" }],
    });
    expect(slack.status).toBe(201);
    expect(slack.json.urls[0].format).toBe("slack");
    expect(JSON.stringify(slack.json)).not.toContain("cleverSECRET");
    const problems = async (body: unknown) => {
      const res = await req(webhooks.POST, "POST", `webhooks/${org.slug}`, body);
      return [res.status, Object.keys(res.json?.error?.fields ?? {})];
    };
    expect(await problems({ urls: [{ format: "flowdock", url: "https://api.flowdock.com/x" }] })).toEqual([422, ["urls.0.format"]]);
    expect(await problems({ urls: [{ format: "raw", url: "https://hooks.slack.com/services/T0/B0/x" }] })).toEqual([422, ["urls.0.url"]]);
    expect(await problems({ urls: [] })).toEqual([422, ["urls"]]);
    expect(await problems({ urls: [{ url: receiver.url() }], events: ["APPLICATION_STOP"] })).toEqual([422, ["events.0"]]);
    expect(await problems({ urls: [{ url: receiver.url() }], scope: ["app_nope"] })).toEqual([422, ["scope.0"]]);
    // A read token lists, but does not add.
    expect((await req(webhooks.POST, "POST", `webhooks/${org.slug}`, { urls: [{ url: receiver.url() }] }, read)).status).toBe(403);
    expect((await req(webhooks.GET, "GET", `webhooks/${org.slug}`)).json).toHaveLength(1);
  });
});
