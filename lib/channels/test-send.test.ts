import { eq } from "drizzle-orm";
import { MockAgent } from "undici";
import { posterThrough } from "@/lib/net/post";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { channels } from "@/db/schema";
import { createChannel, getChannel, revealSigningSecret } from "@/lib/channels/service";
import type { Actor } from "@/lib/auth/permissions";
import { env } from "@/lib/env";
import { createChannelSchema } from "@/lib/validation/channels";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { embedChars } from "./discord/module";
import { closeMailTransport } from "./email/module";
import { messageBytes } from "./teams/module";
import { sendChannelTest } from "./test-send";
import { startReceiver, startSmtpServer, useTestEnvironment, type Receiver } from "./testing/receivers";

const actor: Actor = { type: "system", label: "test" };
let db: Db;
let orgId: string;
let receiver: Receiver;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  receiver = await startReceiver();
  // Before anything reads env(): loopback receivers are allowed, SMTP points at ours.
  useTestEnvironment({
    HERALD_ALLOW_PRIVATE_TARGETS: "1",
    SMTP_URL: smtp.url,
    SMTP_FROM: "Herald <herald@acme.test>",
    HERALD_PUBLIC_URL: "https://herald.example",
  });
  db = await testDb();
  orgId = (await seedOrg(db, "acme", ["owner", "admin"])).org.id;
});
afterAll(async () => {
  closeMailTransport();
  await receiver.close();
  await smtp.close();
  await closeTestDb(db);
});

const create = (body: unknown) => createChannel(db, orgId, actor, createChannelSchema.parse(body));

describe("Send test to a webhook, for each auth method", () => {
  it.each([
    ["none", { method: "none" }, (h: Record<string, unknown>) => expect(h.authorization).toBeUndefined()],
    ["bearer", { method: "bearer", token: "bearer-SECRET-1" }, (h: Record<string, unknown>) => expect(h.authorization).toBe("Bearer bearer-SECRET-1")],
    [
      "basic",
      { method: "basic", username: "bob", password: "basic-SECRET-2" },
      (h: Record<string, unknown>) => expect(h.authorization).toBe(`Basic ${Buffer.from("bob:basic-SECRET-2").toString("base64")}`),
    ],
    [
      "apikey",
      { method: "apikey", headerName: "X-Api-Key", headerValue: "apikey-SECRET-3" },
      (h: Record<string, unknown>) => expect(h["x-api-key"]).toBe("apikey-SECRET-3"),
    ],
    [
      "headers",
      { method: "headers", headers: { "X-Team": "ops", "X-Token": "headers-SECRET-4" } },
      (h: Record<string, unknown>) => expect([h["x-team"], h["x-token"]]).toEqual(["ops", "headers-SECRET-4"]),
    ],
  ])("%s: the receiver gets the auth headers and a signature that verifies", async (_name, auth, checkHeaders) => {
    const channel = await create({ type: "webhook", name: `hook`, url: receiver.url(`/hook`), format: "envelope", auth });
    const before = receiver.requests.length;
    const result = await sendChannelTest(db, orgId, channel.id);
    expect(result).toEqual({ ok: true, status: 200, durationMs: expect.any(Number) });
    expect(receiver.requests.length).toBe(before + 1);
    const req = receiver.requests.at(-1)!;
    checkHeaders(req.headers);
    const secret = await revealSigningSecret(db, orgId, actor, channel.id);
    const payload = new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
    expect(payload).toMatchObject({ schemaVersion: "1.0", source: "Herald", alertCount: 1, tenant: "acme" });
    expect(req.headers["webhook-id"]).toMatch(/^test_/);
  });

  it("a failing receiver is reported in words with its status, and the channel's health is untouched", async () => {
    const channel = await create({ type: "webhook", name: "broken", url: receiver.url("/broken") });
    receiver.answer(() => ({ status: 503, body: "down for maintenance" }));
    const result = await sendChannelTest(db, orgId, channel.id);
    receiver.answer(() => ({ status: 200, body: "ok" }));
    expect(result).toMatchObject({ ok: false, status: 503, error: "the receiver answered 503 Service Unavailable" });
    const [row] = await db.select().from(channels).where(eq(channels.id, channel.id)).limit(1);
    expect(row).toMatchObject({ health: "healthy", consecutiveFailures: 0, lastError: null, lastErrorAt: null, lastSuccessAt: null });
  });

  it("an unreachable receiver is reported as refused", async () => {
    const gone = await startReceiver();
    const url = gone.url();
    await gone.close();
    const channel = await create({ type: "webhook", name: "gone", url });
    const result = await sendChannelTest(db, orgId, channel.id);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/connection refused/);
    expect(result.status).toBeUndefined();
  });
});

describe("Send test by e-mail", () => {
  it("reaches every recipient, groups resolved, with HTML and text parts", async () => {
    const channel = await create({ type: "email", name: "Mail", recipients: "a@x.org, B@y.org, @owners" });
    const result = await sendChannelTest(db, orgId, channel.id);
    expect(result).toEqual({ ok: true, status: 250, durationMs: expect.any(Number) });
    const mail = smtp.mails.at(-1)!;
    expect(mail.envelopeTo.sort()).toEqual(["a@x.org", "b@y.org", "owner0@acme.test"]);
    expect(mail.from).toBe("herald@acme.test");
    expect(mail.parsed.subject).toBe("[INFO] Test notification from Herald");
    expect(mail.parsed.html).toContain("<table");
    expect(mail.parsed.html).toContain("Test notification from Herald");
    expect(mail.parsed.text).toContain("[INFO] Test notification from Herald");
    expect(mail.parsed.text).toContain("https://herald.example/o/acme/events");
  });

  it("a group with nobody in it is reported, not silently dropped", async () => {
    const channel = await create({ type: "email", name: "Product admins", recipients: "@product-admins" });
    const result = await sendChannelTest(db, orgId, channel.id);
    expect(result.ok).toBe(false);
    expect(result.error).toBe("no recipients to send to (@product-admins: these events belong to no product)");
  });

  it("an SMTP rejection is reported with its reply code", async () => {
    const strict = await startSmtpServer({ rejectWith: { code: 550, message: "mailbox unavailable" } });
    const saved = env().SMTP_URL;
    env().SMTP_URL = strict.url;
    try {
      const channel = await create({ type: "email", name: "Strict", recipients: "nobody@x.org" });
      const result = await sendChannelTest(db, orgId, channel.id);
      expect(result).toMatchObject({ ok: false, status: 550 });
      expect(result.error).toMatch(/SMTP server answered 550/);
    } finally {
      env().SMTP_URL = saved;
      closeMailTransport();
      await strict.close();
    }
  });
});

describe("Send test to Slack, Discord and Teams (their servers stood in for by a MockAgent)", () => {
  function mockReceiver(origin: string) {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const bodies: { path: string; body: unknown }[] = [];
    agent
      .get(origin)
      .intercept({ path: () => true, method: "POST" })
      .reply(200, (opts) => {
        bodies.push({ path: opts.path, body: JSON.parse(String(opts.body)) });
        return "ok";
      })
      .persist();
    return { agent, bodies };
  }

  it("slack: posts Block Kit with a text fallback to the stored URL", async () => {
    const { agent, bodies } = mockReceiver("https://hooks.slack.com");
    const channel = await create({ type: "slack", name: "s", url: "https://hooks.slack.com/services/T000/B000/XXXX" });
    const result = await sendChannelTest(db, orgId, channel.id, { poster: posterThrough(agent) });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(bodies).toHaveLength(1);
    expect(bodies[0].path).toBe("/services/T000/B000/XXXX");
    expect(bodies[0].body).toMatchObject({ text: "[INFO] Test notification from Herald", blocks: expect.any(Array) });
    await agent.close();
  });

  it("discord: posts embeds within limits, mentions disabled", async () => {
    const { agent, bodies } = mockReceiver("https://discord.com");
    const channel = await create({ type: "discord", name: "d", url: "https://discord.com/api/webhooks/123/tok" });
    expect(await sendChannelTest(db, orgId, channel.id, { poster: posterThrough(agent) })).toMatchObject({ ok: true, status: 200 });
    const body = bodies[0].body as { embeds: Parameters<typeof embedChars>[0][]; allowed_mentions: unknown };
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds).toHaveLength(1);
    expect(embedChars(body.embeds[0])).toBeLessThanOrEqual(6000);
    await agent.close();
  });

  it("teams: posts an Adaptive Card under 28 KB", async () => {
    const { agent, bodies } = mockReceiver("https://prod-01.westeurope.logic.azure.com");
    const channel = await create({
      type: "teams",
      name: "t",
      url: "https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s",
    });
    expect(await sendChannelTest(db, orgId, channel.id, { poster: posterThrough(agent) })).toMatchObject({ ok: true, status: 200 });
    expect(bodies[0].body).toMatchObject({ type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive" }] });
    expect(messageBytes(bodies[0].body)).toBeLessThanOrEqual(28 * 1024);
    await agent.close();
  });
});

describe("inbox", () => {
  it("has nothing to test: 422", async () => {
    const channel = await create({ type: "inbox", name: "In" });
    await expect(sendChannelTest(db, orgId, channel.id)).rejects.toMatchObject({ status: 422 });
    expect((await getChannel(db, orgId, channel.id)).health).toBe("healthy");
  });
});
