import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { auditEntries, channels, events, products, ruleChannels, rules } from "@/db/schema";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { ingestEvents } from "@/lib/events/ingest";
import { newId } from "@/lib/ids";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as collection from "./route";
import * as item from "./[id]/route";
import * as matches from "./[id]/matches/route";
import * as eventTypes from "../event-types/route";
import * as eventList from "../events/route";
import * as eventItem from "../events/[id]/route";
import * as config from "../../../notification-config/route";

/** Rules, event types, events and the CIPP-style config, through their route handlers. */

let db: Db;
let orgId: string;
let otherOrgId: string;
let admin: string;
let read: string;
let shopAdmin: string;
let orgChannel: string;
let otherOrgChannel: string;
let apiChannel: string;

const base = "http://127.0.0.1/api/v1/orgs/acme";
type Handler = Parameters<typeof call>[0];
const req = (handler: Handler, method: string, params: Record<string, string> = {}, body?: unknown, token = admin, url = base) =>
  call(handler, { method, url, token, body, params: { org: "acme", ...params } });

async function channel(org: string, name: string, productId: string | null = null) {
  const id = newId("ch");
  await db.insert(channels).values({ id, orgId: org, productId, type: "webhook", name, settings: { url: "https://example.test/hook" } });
  return id;
}
const count = async (table: typeof rules | typeof ruleChannels | typeof auditEntries) => (await db.select().from(table)).length;

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  otherOrgId = (await seedOrg(db, "globex")).org.id;
  await db.insert(products).values([
    { id: "prd_shop", orgId, slug: "shop", name: "Shop" },
    { id: "prd_api", orgId, slug: "api", name: "API" },
  ]);
  admin = (await insertApiToken(db, { orgId, name: "admin", role: "admin" })).token;
  read = (await insertApiToken(db, { orgId, name: "read", role: "read" })).token;
  shopAdmin = (await insertApiToken(db, { orgId, name: "shop", role: "product-admin", productIds: ["prd_shop"] })).token;
  orgChannel = await channel(orgId, "ops");
  otherOrgChannel = await channel(otherOrgId, "theirs");
  apiChannel = await channel(orgId, "api-own", "prd_api");
});
afterEach(() => closeTestDb(db));

const orgRule = { name: "Failures", eventTypes: ["deployment.failed"], severities: ["error", "alert"], products: ["shop"], channels: [] as string[] };

describe("rules API", () => {
  it("creates, shows, changes and deletes an org rule, with slugs and channel ids, each change audited", async () => {
    const created = await req(collection.POST, "POST", {}, { ...orgRule, channels: [orgChannel], mode: "digest", digestMinutes: 15 });
    expect(created.status).toBe(201);
    expect(created.json.rule).toMatchObject({
      scope: "org",
      product: null,
      products: ["shop"],
      eventTypes: ["deployment.failed"],
      severities: ["error", "alert"],
      channels: [orgChannel],
      mode: "digest",
      digestMinutes: 15,
      enabled: true,
    });
    const id = created.json.rule.id;
    expect((await req(item.GET, "GET", { id }, undefined, read)).json.rule.name).toBe("Failures");

    const patched = await req(item.PATCH, "PATCH", { id }, { enabled: false, eventTypes: "all" });
    expect(patched.status).toBe(200);
    expect(patched.json.rule).toMatchObject({ enabled: false, eventTypes: "all", channels: [orgChannel], mode: "digest" });

    expect((await req(item.DELETE, "DELETE", { id })).status).toBe(204);
    expect((await req(item.GET, "GET", { id })).status).toBe(404);
    const actions = (await db.select().from(auditEntries)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["rule.created", "rule.updated", "rule.removed"]));
    // rule.created and rule.removed are platform events too.
    expect((await db.select().from(events)).map((e) => e.type).sort()).toEqual(["rule.created", "rule.removed"]);
  });

  it("changes of one rule racing each other take turns: each succeeds, and the rule keeps one set of channels", async () => {
    const second = await channel(orgId, "second");
    const id = (await req(collection.POST, "POST", {}, { ...orgRule, channels: [orgChannel] })).json.rule.id;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => req(item.PATCH, "PATCH", { id }, { channels: i % 2 ? [orgChannel, second] : [second, orgChannel] })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect([...(await req(item.GET, "GET", { id })).json.rule.channels].sort()).toEqual([orgChannel, second].sort());
    expect(await count(ruleChannels)).toBe(2);
  });

  it("refuses another org's channel, a product's channel in an org rule, unknown products and event types — and saves nothing", async () => {
    const audits = await count(auditEntries);
    const cases: [unknown, string[]][] = [
      [{ ...orgRule, channels: [otherOrgChannel] }, ["channels.0"]],
      [{ ...orgRule, channels: [apiChannel] }, ["channels.0"]],
      [{ ...orgRule, channels: [orgChannel], products: ["nope"] }, ["products.0"]],
      [{ ...orgRule, channels: [orgChannel], eventTypes: ["deployment.failed", "no.such_type"] }, ["eventTypes.1"]],
      // An org event never has a product, so a product-restricted rule could never send it.
      [{ ...orgRule, channels: [orgChannel], eventTypes: ["token.created"] }, ["eventTypes.0"]],
      [{ ...orgRule, products: [], product: "nope", channels: [orgChannel] }, ["product"]],
    ];
    for (const [body, fields] of cases) {
      const res = await req(collection.POST, "POST", {}, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(Object.keys(res.json.error.fields)).toEqual(fields);
    }
    const shape = await req(collection.POST, "POST", {}, { name: "", eventTypes: [], severities: ["loud"], channels: [], mode: "digest", digestMinutes: 7 });
    expect(shape.status).toBe(422);
    expect(Object.keys(shape.json.error.fields).sort()).toEqual(["channels", "digestMinutes", "eventTypes", "name", "severities.0"]);
    expect(await count(rules)).toBe(0);
    expect(await count(ruleChannels)).toBe(0);
    expect(await count(auditEntries)).toBe(audits);
  });

  it("a product rule uses org channels or its own product's, sees only product events, and its scope cannot change", async () => {
    const ok = await req(
      collection.POST,
      "POST",
      {},
      { name: "Shop", product: "shop", eventTypes: ["deployment.failed", "log.entry"], severities: ["error"], channels: [orgChannel] },
    );
    expect(ok.status).toBe(201);
    expect(ok.json.rule).toMatchObject({ scope: "product", product: "shop", products: [] });
    const foreign = await req(collection.POST, "POST", {}, { name: "x", product: "shop", eventTypes: "all", severities: ["error"], channels: [apiChannel] });
    expect(foreign.json.error.fields).toEqual({ "channels.0": [`unknown channel "${apiChannel}"`] });
    const own = await req(collection.POST, "POST", {}, { name: "y", product: "api", eventTypes: "all", severities: ["error"], channels: [apiChannel] });
    expect(own.status).toBe(201);
    const orgEvent = await req(
      collection.POST,
      "POST",
      {},
      { name: "z", product: "shop", eventTypes: ["billing.credits_low"], severities: ["error"], channels: [orgChannel] },
    );
    expect(Object.keys(orgEvent.json.error.fields)).toEqual(["eventTypes.0"]);
    const rescope = await req(item.PATCH, "PATCH", { id: ok.json.rule.id }, { products: ["api"] });
    expect(rescope.status).toBe(422);
    const filtered = await req(collection.GET, "GET", {}, undefined, read, `${base}/rules?product=shop`);
    expect(filtered.json.rules.map((r: { name: string }) => r.name)).toEqual(["Shop"]);
  });

  it("a product admin's token manages its product's rules only; a read token changes nothing", async () => {
    const body = { name: "Shop", product: "shop", eventTypes: ["deployment.failed"], severities: ["error"], channels: [orgChannel] };
    const mine = await req(collection.POST, "POST", {}, body, shopAdmin);
    expect(mine.status).toBe(201);
    expect((await req(collection.POST, "POST", {}, { ...body, product: "api" }, shopAdmin)).status).toBe(403);
    expect((await req(collection.POST, "POST", {}, { ...orgRule, channels: [orgChannel] }, shopAdmin)).status).toBe(403);
    expect((await req(collection.POST, "POST", {}, body, read)).status).toBe(403);
    const orgOwned = await req(collection.POST, "POST", {}, { ...orgRule, channels: [orgChannel] });
    expect((await req(item.PATCH, "PATCH", { id: orgOwned.json.rule.id }, { enabled: false }, shopAdmin)).status).toBe(403);
    expect((await req(item.DELETE, "DELETE", { id: orgOwned.json.rule.id }, undefined, read)).status).toBe(403);
    expect((await req(item.DELETE, "DELETE", { id: mine.json.rule.id }, undefined, shopAdmin)).status).toBe(204);
    // Another org's token sees 404 for this org.
    const globex = (await insertApiToken(db, { orgId: otherOrgId, name: "g", role: "admin" })).token;
    expect((await req(collection.GET, "GET", {}, undefined, globex)).status).toBe(404);
  });

  it("what would match: the last 20 stored events the rule would have sent, newest first, even while disabled", async () => {
    const rule = await req(
      collection.POST,
      "POST",
      {},
      { name: "Shop failures", product: "shop", eventTypes: ["deployment.failed"], severities: ["error", "critical"], channels: [orgChannel], enabled: false },
    );
    const base0 = Date.parse("2026-01-01T00:00:00Z");
    for (let i = 0; i < 25; i++) {
      await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "shop", title: `fail ${i}` }], { indexed: false, now: base0 + i * 1000 });
    }
    await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "api", title: "other product" }], { indexed: false, now: base0 + 99_000 });
    await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "shop", severity: "info", title: "too low" }], {
      indexed: false,
      now: base0 + 99_000,
    });
    await ingestEvents(db, orgId, [{ type: "deployment.succeeded", product: "shop", title: "other type" }], { indexed: false, now: base0 + 99_000 });
    const res = await req(matches.GET, "GET", { id: rule.json.rule.id }, undefined, read);
    expect(res.status).toBe(200);
    expect(res.json.events).toHaveLength(20);
    expect(res.json.events[0]).toMatchObject({ title: "fail 24", product: "shop", type: "deployment.failed" });
    expect(res.json.events.at(-1).title).toBe("fail 5");
  });
});

describe("event types API", () => {
  it("lists the built-in catalog, adds a custom type, and refuses a clash with 409", async () => {
    const list = await req(eventTypes.GET, "GET", {}, undefined, read);
    expect(list.json.eventTypes.find((t: { key: string }) => t.key === "deployment.failed")).toMatchObject({
      scope: "product",
      defaultSeverity: "error",
      builtIn: true,
    });
    const created = await req(eventTypes.POST, "POST", {}, { key: "backup.failed", scope: "product", title: "Backup failed", defaultSeverity: "error" });
    expect(created.status).toBe(201);
    expect(created.json.eventType).toMatchObject({ key: "backup.failed", builtIn: false, description: "" });
    expect((await req(eventTypes.POST, "POST", {}, { key: "backup.failed", scope: "org", title: "again" })).status).toBe(409);
    expect((await req(eventTypes.POST, "POST", {}, { key: "deployment.failed", scope: "org", title: "clash" })).status).toBe(409);
    expect((await req(eventTypes.POST, "POST", {}, { key: "Bad Key", scope: "org", title: "x" })).json.error.fields).toHaveProperty("key");
    expect((await req(eventTypes.POST, "POST", {}, { key: "x.y", scope: "org", title: "x" }, read)).status).toBe(403);
    // The new type can be used by rules and producers at once.
    const rule = await req(
      collection.POST,
      "POST",
      {},
      { name: "Backups", product: "shop", eventTypes: ["backup.failed"], severities: ["error"], channels: [orgChannel] },
    );
    expect(rule.status).toBe(201);
    expect((await ingestEvents(db, orgId, [{ type: "backup.failed", product: "shop", title: "nightly" }], { indexed: false }))[0].deliveries).toBe(1);
  });
});

describe("events API", () => {
  it("lists events newest first with filters and cursor paging, and shows one with its deliveries", async () => {
    await req(
      collection.POST,
      "POST",
      {},
      { name: "All", eventTypes: "all", severities: ["debug", "info", "warning", "error", "critical", "alert"], channels: [orgChannel] },
    );
    const t0 = Date.parse("2026-02-01T00:00:00Z");
    for (let i = 0; i < 5; i++)
      await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "shop", title: `shop ${i}`, data: { build: i } }], {
        indexed: false,
        now: t0 + i * 1000,
      });
    await ingestEvents(db, orgId, [{ type: "billing.credits_low", severity: "warning", title: "credits" }], { indexed: false, now: t0 + 10_000 });
    const url = (q: string) => `${base}/events?${q}`;
    const page1 = await req(eventList.GET, "GET", {}, undefined, read, url("type=deployment.failed&limit=3"));
    expect(page1.json.events.map((e: { title: string }) => e.title)).toEqual(["shop 4", "shop 3", "shop 2"]);
    expect(page1.json.events[0]).toMatchObject({ product: "shop", data: { build: 4 }, deliveryCounts: { queued: 1 } });
    const page2 = await req(eventList.GET, "GET", {}, undefined, read, url(`type=deployment.failed&limit=3&cursor=${page1.json.nextCursor}`));
    expect(page2.json.events.map((e: { title: string }) => e.title)).toEqual(["shop 1", "shop 0"]);
    expect(page2.json.nextCursor).toBeNull();
    const bySeverity = await req(eventList.GET, "GET", {}, undefined, read, url("severity=warning"));
    expect(bySeverity.json.events.map((e: { title: string }) => e.title)).toEqual(["credits"]);
    const byTime = await req(
      eventList.GET,
      "GET",
      {},
      undefined,
      read,
      url(`product=shop&from=${new Date(t0 + 3000).toISOString()}&to=${new Date(t0 + 4000).toISOString()}`),
    );
    expect(byTime.json.events.map((e: { title: string }) => e.title)).toEqual(["shop 3"]);
    expect((await req(eventList.GET, "GET", {}, undefined, read, url("severity=loud"))).status).toBe(400);
    expect((await req(eventList.GET, "GET", {}, undefined, read, url("product=nope"))).status).toBe(404);

    const shown = await req(eventItem.GET, "GET", { id: page1.json.events[0].id }, undefined, read);
    expect(shown.json.event).toMatchObject({ title: "shop 4", data: { build: 4 } });
    expect(shown.json.deliveries).toEqual([expect.objectContaining({ status: "queued", channelId: orgChannel, channel: { name: "ops", type: "webhook" } })]);
    const globex = (await insertApiToken(db, { orgId: otherOrgId, name: "g", role: "admin" })).token;
    expect((await call(eventItem.GET, { token: globex, params: { org: "globex", id: page1.json.events[0].id } })).status).toBe(404);
  });
});

describe("notification-config API", () => {
  const configUrl = "http://127.0.0.1/api/v1/notification-config?org=acme";
  const get = (token = admin) => call(config.GET, { url: configUrl, token });
  const post = (body: unknown, token = admin) => call(config.POST, { method: "POST", url: configUrl, token, body });

  it("round-trips: what GET returns can be posted back, changed, and read again; channels stay masked", async () => {
    await db.update(channels).set({ secretHints: { url: "https://hooks.slack.com/services/T0…/****" }, type: "slack", settings: {} });
    const first = await get(read);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      org: "acme",
      rules: [],
      severities: ["debug", "info", "warning", "error", "critical", "alert"],
      options: { digestMinutes: [1, 5, 15, 60], defaultSeverities: ["alert"] },
    });
    expect(first.json.channels.map((c: { id: string }) => c.id)).toEqual([orgChannel]);
    expect(first.json.channels[0].url).toEqual({ configured: true, hint: "https://hooks.slack.com/services/T0…/****" });

    const created = await post({
      rules: [
        { name: "Alerts", eventTypes: "all", severities: ["alert"], channels: [orgChannel] },
        {
          name: "Digest",
          eventTypes: ["token.created"],
          severities: ["warning"],
          channels: [orgChannel],
          mode: "digest",
          digestMinutes: 60,
          splitByProduct: true,
        },
      ],
    });
    expect(created.status).toBe(200);
    expect(created.json.rules.map((r: { name: string }) => r.name)).toEqual(["Alerts", "Digest"]);

    // Post back what GET gave, with one rule changed and the other left out.
    const [alerts] = (await get()).json.rules;
    const again = await post({ rules: [{ ...alerts, severities: ["critical", "alert"] }] });
    expect(again.status).toBe(200);
    expect(again.json.rules).toEqual([expect.objectContaining({ id: alerts.id, severities: ["critical", "alert"] })]);
    expect((await get()).json.rules).toEqual(again.json.rules);
  });

  it("validates like the console and saves nothing when one rule is wrong; needs org:configure", async () => {
    await post({ rules: [{ name: "Keep", eventTypes: "all", severities: ["alert"], channels: [orgChannel] }] });
    const before = (await get()).json.rules;
    const bad = await post({
      rules: [
        { name: "New", eventTypes: "all", severities: ["alert"], channels: [orgChannel] },
        { name: "Bad", eventTypes: ["no.such_type"], severities: ["alert"], channels: [otherOrgChannel] },
      ],
    });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.json.error.fields).sort()).toEqual(["rules.1.channels.0", "rules.1.eventTypes.0"]);
    expect((await get()).json.rules).toEqual(before);
    expect((await post({ rules: [] }, read)).status).toBe(403);
    expect(
      (await post({ rules: [{ id: "rul_nope", name: "x", eventTypes: "all", severities: ["alert"], channels: [orgChannel] }] })).json.error.fields,
    ).toHaveProperty(["rules.0.id"]);
    expect((await call(config.GET, { url: "http://127.0.0.1/api/v1/notification-config?org=globex", token: admin })).status).toBe(404);
  });
});
