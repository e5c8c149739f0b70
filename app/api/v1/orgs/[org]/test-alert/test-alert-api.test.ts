import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels, deliveries, events } from "@/db/schema";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { startReceiver, type Reply } from "@/lib/dispatch/test-support";
import { addChannel, seedTestAlertOrg } from "@/lib/test-alert/testing";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as send from "./route";
import * as preview from "./preview/route";

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_LOG_LEVEL = "silent";

const SLACK_URL = "https://hooks.slack.com/services/T0API/B0API/apiSECRETslackToken";
const url = "http://127.0.0.1/api/v1/orgs/acme/test-alert";
const params = { org: "acme" };

let db: Db;
let seed: Awaited<ReturnType<typeof seedTestAlertOrg>>;
let reply: Reply;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let tokens: Record<"admin" | "read" | "shopAdmin" | "otherOrg", string>;
let ids: Record<"hook" | "inbox" | "slack" | "blogHook", string>;

beforeEach(async () => {
  db = await testDb();
  seed = await seedTestAlertOrg(db);
  const other = (await seedOrg(db, "globex")).org;
  tokens = {
    admin: (await insertApiToken(db, { orgId: seed.org.id, name: "ci", role: "admin" })).token,
    read: (await insertApiToken(db, { orgId: seed.org.id, name: "dash", role: "read" })).token,
    shopAdmin: (await insertApiToken(db, { orgId: seed.org.id, name: "shop-ci", role: "product-admin", productIds: [seed.shop.id] })).token,
    otherOrg: (await insertApiToken(db, { orgId: other.id, name: "globex", role: "admin" })).token,
  };
  reply = { status: 200 };
  receiver = await startReceiver(() => reply);
  ids = {
    hook: (await addChannel(db, seed.org.id, { type: "webhook", name: "hook", url: receiver.url })).id,
    inbox: (await addChannel(db, seed.org.id, { type: "inbox", name: "Console inbox" })).id,
    slack: (await addChannel(db, seed.org.id, { type: "slack", name: "slack", url: SLACK_URL, enabled: false })).id,
    blogHook: (await addChannel(db, seed.org.id, { type: "webhook", name: "blog-hook", url: receiver.url }, seed.blog.id)).id,
  };
});

afterEach(async () => {
  await receiver.close();
  await closeTestDb(db);
});

const post = (token: string | undefined, body: unknown, handler = send.POST, path = url) => call(handler, { method: "POST", url: path, token, body, params });

describe("POST /api/v1/orgs/{org}/test-alert", () => {
  it("sends to the chosen channels and answers each channel's result in the DESIGN §7.1 shape", async () => {
    reply = { status: 503 };
    const res = await post(tokens.admin, { channels: [ids.hook, ids.inbox], events: [{ type: "deployment.failed", severity: "error" }] });
    expect(res.status).toBe(200);
    expect(res.json.results).toEqual([
      expect.objectContaining({ channelId: ids.hook, ok: false, status: 503, error: expect.stringMatching(/503/), deliveryId: expect.stringMatching(/^dlv_/) }),
      expect.objectContaining({ channelId: ids.inbox, ok: true, deliveryId: expect.stringMatching(/^dlv_/) }),
    ]);
    expect(receiver.received).toHaveLength(1);
    expect((await db.select().from(channels).where(eq(channels.id, ids.hook)).limit(1))[0]?.health).toBe("healthy");
  });

  it('"all" tests every enabled org channel (not the switched-off one, not another product\'s)', async () => {
    const res = await post(tokens.admin, { channels: "all" });
    expect(res.status).toBe(200);
    expect(res.json.results.map((r: { channelId: string }) => r.channelId).sort()).toEqual([ids.hook, ids.inbox].sort());
    expect(res.json.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
  });

  it("needs org:configure, or product:configure for a named product", async () => {
    expect((await post(undefined, { channels: "all" })).status).toBe(401);
    expect((await post(tokens.read, { channels: "all" })).status).toBe(403);
    expect((await post(tokens.otherOrg, { channels: "all" })).status).toBe(404);
    expect((await post(tokens.shopAdmin, { channels: "all" })).status).toBe(403);
    expect((await post(tokens.shopAdmin, { channels: "all", product: "blog" })).status).toBe(403);
    expect((await post(tokens.shopAdmin, { channels: "all", product: "nope" })).status).toBe(404);
    const asShopAdmin = await post(tokens.shopAdmin, { channels: "all", product: "shop" });
    expect(asShopAdmin.status).toBe(200);
    expect(asShopAdmin.json.results).toHaveLength(2);
    // Another product's channel is not theirs to test.
    const refused = await post(tokens.shopAdmin, { channels: [ids.blogHook], product: "shop" });
    expect(refused.status).toBe(422);
    expect(Object.keys(refused.json.error.fields)).toEqual(["channels.0"]);
  });

  it("bad input gets 422 naming the field, and nothing is stored or sent", async () => {
    const cases: [unknown, string][] = [
      [{}, "channels"],
      [{ channels: [] }, "channels"],
      [{ channels: [ids.hook], events: [{ type: "deployment.failed", severity: "loud" }] }, "events.0.severity"],
      [{ channels: [ids.hook], events: [{ type: "no.such", severity: "info" }] }, "events.0.type"],
      [{ channels: [ids.slack] }, "channels.0"],
      [{ channels: [ids.hook], custom: { message: "no title" } }, "custom.title"],
      [{ channels: [ids.hook], writeToLog: "yes" }, "writeToLog"],
    ];
    for (const [body, field] of cases) {
      const res = await post(tokens.admin, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys(res.json.error.fields), JSON.stringify(body)).toContain(field);
    }
    expect(receiver.received).toHaveLength(0);
    expect(await db.select().from(deliveries)).toHaveLength(0);
    expect(await db.select().from(events).where(eq(events.isTest, true))).toHaveLength(0);
  });
});

describe("POST /api/v1/orgs/{org}/test-alert/preview", () => {
  it("shows the bodies per channel without sending, and never a secret", async () => {
    await db.update(channels).set({ enabled: true }).where(eq(channels.id, ids.slack));
    const res = await post(tokens.admin, { channels: [ids.hook, ids.slack], custom: { title: "Hello from the API" } }, preview.POST, `${url}/preview`);
    expect(res.status).toBe(200);
    expect(res.json.events).toEqual([{ type: "herald.test", severity: "info", title: "Hello from the API", product: null }]);
    expect(res.json.channels.map((c: { name: string }) => c.name)).toEqual(["hook", "slack"]);
    expect(res.json.channels[1].messages[0].body.text).toBe("[INFO] Hello from the API");
    expect(JSON.stringify(res.json)).not.toContain("apiSECRETslackToken");
    expect(receiver.received).toHaveLength(0);
    expect((await post(tokens.read, { channels: "all" }, preview.POST, `${url}/preview`)).status).toBe(403);
  });
});
