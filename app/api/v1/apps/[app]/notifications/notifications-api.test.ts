import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { channels, deliveries, products, rules } from "@/db/schema";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { useTestEnvironment } from "@/lib/channels/testing/receivers";
import { startReceiver, waitFor } from "@/lib/dispatch/test-support";
import { dispatchOnce } from "@/lib/dispatch/run";
import { ingestEvents } from "@/lib/events/ingest";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as collection from "./route";
import * as item from "./[id]/route";
import * as ruleItem from "../../../orgs/[org]/rules/[id]/route";

/**
 * Product notifications, Scalingo-compatible (DESIGN §6), through the route
 * handlers with the exact request bodies of the design, one test per answer.
 */

let db: Db;
let orgId: string;
let admin: string;
const SLACK = "https://hooks.slack.com/services/T0SHOP/B0SHOP/slackSECRETshop";
const SLACK_2 = "https://hooks.slack.com/services/T0SHOP/B0TWO/slackSECRETtwo";

beforeAll(() => useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "1" }));

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  await db.insert(products).values([
    { id: "prd_shop", orgId, slug: "shop", name: "Shop" },
    { id: "prd_api", orgId, slug: "api", name: "API" },
  ]);
  admin = (await insertApiToken(db, { orgId, name: "admin", role: "admin" })).token;
});
afterEach(() => closeTestDb(db));

const url = (app: string, id?: string) => `http://127.0.0.1/api/v1/apps/${app}/notifications${id ? `/${id}` : ""}`;
const create = (notification: unknown, token = admin, app = "shop") =>
  call(collection.POST, { method: "POST", url: url(app), token, params: { app }, body: { notification } });
const list = (token = admin, app = "shop") => call(collection.GET, { url: url(app), token, params: { app } });
const patch = (id: string, notification: unknown, token = admin, app = "shop") =>
  call(item.PATCH, { method: "PATCH", url: url(app, id), token, params: { app, id }, body: { notification } });
const remove = (id: string, token = admin, app = "shop") => call(item.DELETE, { method: "DELETE", url: url(app, id), token, params: { app, id } });
const countOf = async (table: typeof channels | typeof rules) => (await db.select().from(table)).length;

describe("POST /api/v1/apps/:app/notifications", () => {
  it("201: a slack notification, active and sending all events by default, its URL masked", async () => {
    const res = await create({ type: "slack", webhook_url: SLACK });
    expect(res.status).toBe(201);
    expect(res.json.notification).toMatchObject({ type: "slack", app: "shop", active: true, send_all_events: true, selected_events: [] });
    expect(res.json.notification.webhook_url).toBe("https://hooks.slack.com/services/T0…/****");
    const [channel] = await db.select().from(channels);
    expect(channel).toMatchObject({ id: res.json.notification.id, productId: "prd_shop", type: "slack", enabled: true });
    // Its rule is a product rule: it sees the product's events, not another product's.
    expect((await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "shop", title: "x" }], { indexed: false }))[0].deliveries).toBe(1);
    expect((await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "api", title: "x" }], { indexed: false }))[0].deliveries).toBe(0);
  });

  it("201 with selected events: only those event types are sent", async () => {
    const res = await create({
      type: "webhook",
      webhook_url: "https://example.test/hooks/shop?token=abc123",
      active: true,
      send_all_events: false,
      selected_events: ["deployment.failed"],
    });
    expect(res.status).toBe(201);
    expect(res.json.notification).toMatchObject({ type: "webhook", send_all_events: false, selected_events: ["deployment.failed"] });
    expect(res.json.notification.webhook_url).not.toContain("abc123");
    expect((await db.select().from(channels).limit(1))[0]?.settings).toMatchObject({ format: "scalingo" });
    const sent = await ingestEvents(
      db,
      orgId,
      [
        { type: "deployment.failed", product: "shop", title: "a" },
        { type: "deployment.succeeded", product: "shop", title: "b" },
      ],
      { indexed: true },
    );
    expect(sent.map((r) => r.deliveries)).toEqual([1, 0]);
  });

  it("409: a second active notification of the same type for the product, with a message; inactive is fine", async () => {
    await create({ type: "slack", webhook_url: SLACK });
    const again = await create({ type: "slack", webhook_url: SLACK_2 });
    expect(again.status).toBe(409);
    expect(again.json.error.message).toMatch(/already has an active slack notification/);
    expect(await countOf(channels)).toBe(1);
    expect(await countOf(rules)).toBe(1);
    expect((await create({ type: "slack", webhook_url: SLACK_2, active: false })).status).toBe(201);
    // Another type, or another product, is not a clash.
    expect((await create({ type: "discord", webhook_url: "https://discord.com/api/webhooks/1/abc" })).status).toBe(201);
    expect((await create({ type: "slack", webhook_url: SLACK_2 }, admin, "api")).status).toBe(201);
  });

  it("409 for all but one of several creates racing: at most one active notification of a type, on either engine", async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => create({ type: "slack", webhook_url: `https://hooks.slack.com/services/T0SHOP/B0RACE${i}/slackSECRETrace` })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await countOf(channels)).toBe(1);
    expect(await countOf(rules)).toBe(1);
  });

  it("422: a URL that does not fit the type, with a message naming the field", async () => {
    const slack = await create({ type: "slack", webhook_url: "https://example.com/services/x" });
    expect(slack.status).toBe(422);
    expect(slack.json.error.message).toMatch(/does not fit the type "slack": must be a Slack incoming-webhook URL/);
    expect(Object.keys(slack.json.error.fields)).toEqual(["notification.webhook_url"]);
    const discord = await create({ type: "discord", webhook_url: SLACK });
    expect(discord.status).toBe(422);
    const events = await create({ type: "slack", webhook_url: SLACK, send_all_events: false, selected_events: ["billing.credits_low", "no.such"] });
    expect(Object.keys(events.json.error.fields)).toEqual(["notification.selected_events.0", "notification.selected_events.1"]);
    expect((await create({ type: "slack", webhook_url: SLACK, send_all_events: false })).status).toBe(422);
    expect((await create({ type: "pager", webhook_url: SLACK })).json.error.fields).toHaveProperty(["notification.type"]);
    expect((await call(collection.POST, { method: "POST", url: url("shop"), token: admin, params: { app: "shop" }, body: { type: "slack" } })).status).toBe(
      422,
    );
    expect(await countOf(channels)).toBe(0);
  });

  it("404: an unknown app, or another org's", async () => {
    expect((await create({ type: "slack", webhook_url: SLACK }, admin, "nope")).status).toBe(404);
    // Another org's token: its org has no product "shop".
    const other = (await insertApiToken(db, { orgId: (await seedOrg(db, "initech")).org.id, name: "other", role: "admin" })).token;
    expect((await create({ type: "slack", webhook_url: SLACK }, other)).status).toBe(404);
    const mine = (await create({ type: "slack", webhook_url: SLACK })).json.notification;
    expect((await patch(mine.id, { active: false }, admin, "api")).status).toBe(404);
  });

  it("403: a product admin of another product, or a read token; the product's own admin may", async () => {
    const apiAdmin = (await insertApiToken(db, { orgId, name: "api", role: "product-admin", productIds: ["prd_api"] })).token;
    const shopAdmin = (await insertApiToken(db, { orgId, name: "shop", role: "product-admin", productIds: ["prd_shop"] })).token;
    const read = (await insertApiToken(db, { orgId, name: "read", role: "read" })).token;
    expect((await create({ type: "slack", webhook_url: SLACK }, apiAdmin)).status).toBe(403);
    expect((await create({ type: "slack", webhook_url: SLACK }, read)).status).toBe(403);
    // Members read a product's settings (URLs masked); only its admins change them.
    expect((await list(read)).status).toBe(200);
    const mine = await create({ type: "slack", webhook_url: SLACK }, shopAdmin);
    expect(mine.status).toBe(201);
    expect((await patch(mine.json.notification.id, { active: false }, apiAdmin)).status).toBe(403);
    expect((await remove(mine.json.notification.id, apiAdmin)).status).toBe(403);
    expect(await countOf(channels)).toBe(1);
  });
});

describe("GET, PATCH, DELETE /api/v1/apps/:app/notifications[/:id]", () => {
  it("200 list: {notifications: […]}, masked, only this product's", async () => {
    await create({ type: "slack", webhook_url: SLACK });
    await create({ type: "slack", webhook_url: SLACK_2 }, admin, "api");
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.json.notifications).toHaveLength(1);
    expect(JSON.stringify(res.json)).not.toContain("SECRET");
  });

  it("200 patch: change events, URL and active; 409 to activate a second of a type; 422 to change the type", async () => {
    const first = (await create({ type: "slack", webhook_url: SLACK })).json.notification;
    const second = (await create({ type: "slack", webhook_url: SLACK_2, active: false })).json.notification;
    const events = await patch(first.id, { send_all_events: false, selected_events: ["deployment.failed", "product.released"] });
    expect(events.status).toBe(200);
    expect(events.json.notification).toMatchObject({ send_all_events: false, selected_events: ["deployment.failed", "product.released"], active: true });
    const clash = await patch(second.id, { active: true });
    expect(clash.status).toBe(409);
    expect(clash.json.error.message).toMatch(/already has an active slack notification/);
    expect((await patch(first.id, { active: false })).json.notification.active).toBe(false);
    expect((await patch(second.id, { active: true })).status).toBe(200);
    const moved = await patch(second.id, { webhook_url: "https://hooks.slack.com/services/T0SHOP/B0NEW/slackSECRETnew" });
    expect(moved.json.notification.webhook_url).toBe("https://hooks.slack.com/services/T0…/****");
    expect((await patch(second.id, { webhook_url: "https://example.com/x" })).status).toBe(422);
    expect((await patch(second.id, { type: "discord" })).status).toBe(422);
    expect((await patch("ch_nope", { active: false })).status).toBe(404);
    // The notification's rule is changed through this API only.
    const ruleId = `rul_${first.id}`;
    const viaRules = await call(ruleItem.PATCH, {
      method: "PATCH",
      url: "http://127.0.0.1/api/v1/orgs/acme/rules/x",
      token: admin,
      params: { org: "acme", id: ruleId },
      body: { enabled: false },
    });
    expect(viaRules.status).toBe(409);
  });

  it("204 delete: the channel and its rule go together; then 404", async () => {
    const n = (await create({ type: "slack", webhook_url: SLACK })).json.notification;
    await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "shop", title: "queued" }], { indexed: false });
    const res = await remove(n.id);
    expect(res.status).toBe(204);
    expect(await countOf(channels)).toBe(0);
    expect(await countOf(rules)).toBe(0);
    expect(await db.select().from(deliveries)).toHaveLength(0);
    expect((await remove(n.id)).status).toBe(404);
    expect((await call(item.GET, { url: url("shop", n.id), token: admin, params: { app: "shop", id: n.id } })).status).toBe(404);
  });
});

/**
 * Scalingo's own documentation of this API (developers.scalingo.com, "Notifications"), its
 * request bodies verbatim, sent to Herald with the base URL swapped
 * (https://api.scalingo.com/v1 → https://herald.example/api/v1). docs/receivers.md.
 */
describe("Scalingo's documented examples", () => {
  const SCALINGO_SLACK = "https://hooks.slack.com/TXXXXX/BXXXXX/XXXXXXXXXX";
  const rawPost = (rawBody: string) => call(collection.POST, { method: "POST", url: url("shop"), token: admin, params: { app: "shop" }, rawBody });
  const rawPatch = (id: string, rawBody: string) =>
    call(item.PATCH, { method: "PATCH", url: url("shop", id), token: admin, params: { app: "shop", id }, rawBody });

  it("POST with only webhook_url and active: the type is inferred from the URL (Slack), 201", async () => {
    const res = await rawPost(`{"notification":{"webhook_url": "${SCALINGO_SLACK}", "active": false}}`);
    expect(res.status).toBe(201);
    expect(res.json.notification).toMatchObject({ type: "slack", active: false, app: "shop", app_id: "prd_shop" });
    // Any other URL is a webhook; Discord and Teams Workflows URLs their own types.
    expect((await create({ webhook_url: "https://myendpoint.com" })).json.notification.type).toBe("webhook");
    expect((await create({ webhook_url: "https://discord.com/api/webhooks/1/abc" })).json.notification.type).toBe("discord");
    const list = await call(collection.GET, { url: url("shop"), token: admin, params: { app: "shop" } });
    expect(list.json.notifications.map((n: { type: string }) => n.type)).toEqual(["slack", "webhook", "discord"]);
  });

  it('PATCH with "active": "true" (a string, as the example sends it) enables it; its unquoted key is not JSON: 400 saying so', async () => {
    const n = (await create({ webhook_url: "https://example.test/old", active: false })).json.notification;
    const res = await rawPatch(n.id, `{"notification": {"webhook_url": "https://myendpoint.com", "active": "true"}}`);
    expect(res.status).toBe(200);
    expect(res.json.notification).toMatchObject({ active: true, type: "webhook" });
    const verbatim = await rawPatch(n.id, `{"notification": {"webhook_url": "https://myendpoint.com", active: "true"}}`);
    expect(verbatim.status).toBe(400);
    expect(verbatim.json.error.message).toMatch(/JSON/);
    expect((await rawPatch(n.id, `{"notification": {"active": "yes"}}`)).json.error.fields).toEqual({ "notification.active": ["must be true or false"] });
  });

  it("PATCH of a Slack notification to a non-Slack URL is refused, as Scalingo warns", async () => {
    const n = (await create({ webhook_url: SCALINGO_SLACK })).json.notification;
    const res = await rawPatch(n.id, `{"notification": {"webhook_url": "https://myendpoint.com", "active": "true"}}`);
    expect(res.status).toBe(422);
    expect(res.json.error.fields["notification.webhook_url"][0]).toMatch(/Slack/);
  });

  it("DELETE: 204", async () => {
    const n = (await create({ webhook_url: SCALINGO_SLACK })).json.notification;
    expect((await remove(n.id)).status).toBe(204);
  });

  it("a webhook notification delivers Scalingo's own body, signed, to a real receiver", async () => {
    const receiver = await startReceiver();
    try {
      await create({ webhook_url: `${receiver.url}/scalingo` });
      await ingestEvents(
        db,
        orgId,
        [
          {
            type: "deployment.succeeded",
            product: "shop",
            title: "Deployed",
            data: {
              deployment_id: "dep_1",
              pusher: "johndoe",
              git_ref: "0123456789abcdef",
              duration: 40,
              user: { username: "johndoe", email: "john@doe.com", id: "us_1" },
            },
          },
        ],
        { indexed: false },
      );
      await dispatchOnce(db, { deadlineMs: 20_000 });
      await waitFor(() => receiver.received.length === 1, 20_000, "the Scalingo body");
      const [request] = receiver.received;
      expect(request.headers["webhook-signature"]).toMatch(/^v1,/);
      const body = JSON.parse(request.body);
      expect(body).toEqual({
        id: expect.stringMatching(/^evt_/),
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/),
        user: { username: "johndoe", email: "john@doe.com", id: "us_1" },
        app_id: "prd_shop",
        app_name: "shop",
        type: "deployment",
        type_data: { deployment_id: "dep_1", pusher: "johndoe", git_ref: "0123456789abcdef", status: "success", duration: 40 },
      });
    } finally {
      await receiver.close();
    }
  });
});
