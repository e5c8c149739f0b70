import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { channels } from "@/db/schema";
import { channelModule } from "@/lib/channels/registry";
import { AppError } from "@/lib/errors";
import { testAlertSchema } from "@/lib/validation/test-alert";
import { closeTestDb, testDb } from "@/test/db";
import { buildTestEvents } from "./events";
import { previewTestAlert, REDACTED } from "./preview";
import { testAlertScope, type TestScope } from "./scope";
import { addChannel, seedTestAlertOrg } from "./testing";
import { eq } from "drizzle-orm";

// Set before anything reads env(): loopback targets allowed, e-mail configured (nothing is sent here).
process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.SMTP_URL = "smtp://127.0.0.1:2525";
process.env.HERALD_LOG_LEVEL = "silent";

const SECRETS = {
  slack: "https://hooks.slack.com/services/T0PREVIEW/B0PREVIEW/slackSECRETtoken",
  discord: "https://discord.com/api/webhooks/1234/discordSECRETtoken",
  bearer: "bearer-SECRET-value-0001",
};

let db: Db;
let seed: Awaited<ReturnType<typeof seedTestAlertOrg>>;
let scope: TestScope;
let ids: Record<string, string>;

beforeEach(async () => {
  db = await testDb();
  seed = await seedTestAlertOrg(db);
  scope = { orgId: seed.org.id, product: null };
  ids = {
    hook: (
      await addChannel(db, seed.org.id, { type: "webhook", name: "hook", url: "http://127.0.0.1:9/hook", auth: { method: "bearer", token: SECRETS.bearer } })
    ).id,
    slack: (await addChannel(db, seed.org.id, { type: "slack", name: "slack", url: SECRETS.slack })).id,
    discord: (await addChannel(db, seed.org.id, { type: "discord", name: "discord", url: SECRETS.discord })).id,
    mail: (await addChannel(db, seed.org.id, { type: "email", name: "mail", recipients: "ops@acme.test, @owners" })).id,
    inbox: (await addChannel(db, seed.org.id, { type: "inbox", name: "inbox" })).id,
  };
});
afterEach(async () => {
  await closeTestDb(db);
});

const input = (body: Record<string, unknown>) => testAlertSchema.parse(body);
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (e) {
    return e as AppError;
  }
  throw new Error("expected an error");
};

describe("previewTestAlert", () => {
  it("shows per channel exactly the bodies the channel's renderer produces for the chosen sample events", async () => {
    const body = input({
      channels: [ids.hook, ids.slack, ids.mail, ids.inbox],
      events: [
        { type: "deployment.failed", severity: "critical" },
        { type: "billing.credits_low", severity: "warning" },
      ],
    });
    const preview = await previewTestAlert(db, scope, body);
    expect(preview.events).toEqual([
      { type: "deployment.failed", severity: "critical", title: expect.stringContaining("failed"), product: "blog" },
      { type: "billing.credits_low", severity: "warning", title: "Credits are running low", product: null },
    ]);
    const events = await buildTestEvents(db, scope, body, { publicUrl: "http://localhost:3000", now: new Date() });
    const byName = Object.fromEntries(preview.channels.map((c) => [c.name, c]));
    expect(Object.keys(byName)).toEqual(["hook", "slack", "mail", "inbox"]);

    // Webhook (array format): one JSON array of both events, as webhook.render gives it.
    const [hookMessage] = byName.hook.messages;
    const rendered = channelModule("webhook").render({ type: "webhook", settings: { format: "array" }, secrets: {} }, events)[0] as { body: unknown[] };
    expect(hookMessage.kind).toBe("http");
    expect((hookMessage as { body: Record<string, unknown>[] }).body.map(({ id: _i, created_at: _c, ...rest }) => rest)).toEqual(
      rendered.body.map((e) => {
        const { id: _i, created_at: _c, ...rest } = e as Record<string, unknown>;
        return rest;
      }),
    );
    expect(hookMessage).toMatchObject({ body: [{ type: "deployment.failed", severity: "critical", data: { test: true } }, { type: "billing.credits_low" }] });

    // Slack: one message per event, Block Kit with the text fallback.
    expect(byName.slack.messages).toHaveLength(2);
    expect(byName.slack.messages[0]).toMatchObject({ kind: "http", body: { text: expect.stringContaining("[CRITICAL]"), blocks: expect.any(Array) } });
    // E-mail: subject and plain text; groups are named, resolved when sent.
    expect(byName.mail.messages[0]).toMatchObject({ kind: "email", to: ["ops@acme.test", "@owners"], subject: "[CRITICAL] 2 events for ACME" });
    expect(byName.mail.warnings.join(" ")).toMatch(/resolved to addresses when the message is sent/);
    expect(byName.inbox.messages).toEqual([
      { kind: "inbox", title: events[0].title },
      { kind: "inbox", title: "Credits are running low" },
    ]);
  });

  it("never shows a secret: URLs with credentials masked, auth headers and signature redacted", async () => {
    const preview = await previewTestAlert(db, scope, input({ channels: "all" }));
    const text = JSON.stringify(preview);
    for (const secret of [...Object.values(SECRETS), "slackSECRETtoken", "discordSECRETtoken"]) expect(text).not.toContain(secret);
    const byName = Object.fromEntries(preview.channels.map((c) => [c.name, c]));
    expect(byName.slack.target).toBe("https://hooks.slack.com/services/T0…/****");
    expect(byName.slack.redactions).toEqual(["The webhook URL is shown masked: it contains the channel's credentials."]);
    const headers = (byName.hook.messages[0] as { headers: { name: string; value: string; redacted?: boolean }[] }).headers;
    expect(headers).toContainEqual({ name: "authorization", value: `Bearer ${REDACTED}`, redacted: true });
    expect(headers.find((h) => h.name === "webhook-signature")).toMatchObject({ redacted: true });
    expect(byName.hook.redactions.join(" ")).toMatch(/bearer token is sent but not shown/);
  });

  it("warns where a receiver's limit cut the text, and only there", async () => {
    const long = "x".repeat(5_000);
    const preview = await previewTestAlert(db, scope, input({ channels: [ids.hook, ids.slack, ids.discord], custom: { title: "A long one", message: long } }));
    const byName = Object.fromEntries(preview.channels.map((c) => [c.name, c]));
    expect(byName.slack.warnings).toEqual([expect.stringMatching(/shortened.*Slack allows/)]);
    expect(byName.discord.warnings).toEqual([expect.stringMatching(/shortened.*Discord allows/)]);
    expect(byName.hook.warnings).toEqual([]);
    expect(JSON.stringify(byName.hook.messages[0])).toContain(long);
  });

  it("warns when a batch had to be split over several messages (Discord: 10 embeds each)", async () => {
    const events = Array.from({ length: 12 }, () => ({ type: "deployment.failed", severity: "error" }));
    const preview = await previewTestAlert(db, scope, input({ channels: [ids.discord, ids.hook], events }));
    expect(preview.channels[0].messages).toHaveLength(2);
    expect(preview.channels[0].warnings).toEqual([expect.stringMatching(/^Split into 2 messages .*10 embeds/)]);
    expect(preview.channels[1].warnings).toEqual([]);
  });

  it("with nothing chosen, previews one generic test event; a custom title and message become one event", async () => {
    expect((await previewTestAlert(db, scope, input({ channels: [ids.inbox] }))).events).toEqual([
      { type: "herald.test", severity: "info", title: "Test notification from Herald", product: null },
    ]);
    const custom = await previewTestAlert(db, scope, input({ channels: [ids.hook], custom: { title: "Hello", message: "World", severity: "alert" } }));
    expect(custom.channels[0].messages[0]).toMatchObject({
      body: [{ type: "herald.test", severity: "alert", title: "Hello", data: { message: "World", test: true } }],
    });
  });

  it("refuses unknown event types and channels, naming the field", async () => {
    const e1 = await failure(previewTestAlert(db, scope, input({ channels: [ids.hook], events: [{ type: "nope.never", severity: "info" }] })));
    expect(e1).toMatchObject({ status: 422, fields: { "events.0.type": ['unknown event type "nope.never"'] } });
    const e2 = await failure(previewTestAlert(db, scope, input({ channels: [ids.hook, "ch_missing"] })));
    expect(e2).toMatchObject({ status: 422, fields: { "channels.1": ['unknown channel "ch_missing"'] } });
  });

  it("refuses a switched-off or disabled channel by name; 'all' skips them", async () => {
    await db.update(channels).set({ enabled: false }).where(eq(channels.id, ids.slack));
    await db.update(channels).set({ health: "disabled" }).where(eq(channels.id, ids.discord));
    const e = await failure(previewTestAlert(db, scope, input({ channels: [ids.slack, ids.discord] })));
    expect(e.fields).toEqual({
      "channels.0": ['"slack" is switched off; enable it first'],
      "channels.1": ['"discord" was disabled after failures; re-enable it first'],
    });
    expect((await previewTestAlert(db, scope, input({ channels: "all" }))).channels.map((c) => c.name)).toEqual(["hook", "inbox", "mail"]);
  });
});

describe("who may test what", () => {
  it("owners and admins test org channels; members and product admins without a product may not", async () => {
    expect(await testAlertScope(db, seed.owner, seed.org.id)).toEqual({ orgId: seed.org.id, product: null });
    expect((await testAlertScope(db, seed.admin, seed.org.id)).product).toBeNull();
    expect((await failure(testAlertScope(db, seed.member, seed.org.id))).status).toBe(403);
    expect((await failure(testAlertScope(db, seed.productAdmin, seed.org.id))).status).toBe(403);
  });

  it("a product admin tests the product's own channels and the org's, never another product's", async () => {
    const shopHook = await addChannel(db, seed.org.id, { type: "webhook", name: "shop-hook", url: "http://127.0.0.1:9/shop" }, seed.shop.id);
    const blogHook = await addChannel(db, seed.org.id, { type: "webhook", name: "blog-hook", url: "http://127.0.0.1:9/blog" }, seed.blog.id);
    const shopScope = await testAlertScope(db, seed.productAdmin, seed.org.id, "shop");
    expect(shopScope.product).toMatchObject({ slug: "shop" });
    expect((await failure(testAlertScope(db, seed.productAdmin, seed.org.id, "blog"))).status).toBe(403);

    const all = await previewTestAlert(db, shopScope, input({ channels: "all", events: [{ type: "deployment.succeeded", severity: "info" }] }));
    expect(all.channels.map((c) => c.name)).toEqual(["discord", "hook", "inbox", "mail", "shop-hook", "slack"]);
    expect(all.events[0].product).toBe("shop");
    const e = await failure(previewTestAlert(db, shopScope, input({ channels: [blogHook.id] })));
    expect(e.fields?.["channels.0"]?.[0]).toMatch(/not one of this product's channels/);
    // Org scope does not list product-owned channels under "all".
    expect((await previewTestAlert(db, scope, input({ channels: "all" }))).channels.map((c) => c.channelId)).not.toContain(shopHook.id);
  });
});
