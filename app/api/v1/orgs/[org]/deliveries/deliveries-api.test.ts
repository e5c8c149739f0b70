import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { auditEntries, channels, deliveries, products } from "@/db/schema";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { dispatchOnce } from "@/lib/dispatch/run";
import { insertChannel, queueDelivery, startReceiver, type Reply } from "@/lib/dispatch/test-support";
import { newId } from "@/lib/ids";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as collection from "./route";
import * as item from "./[id]/route";
import * as retry from "./[id]/retry/route";
import * as replay from "./replay/route";
import * as enable from "../channels/[id]/enable/route";

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_RETRY_SCHEDULE = "1";

let db: Db;
let orgId: string;
let tokens: Record<"admin" | "read" | "otherOrg", string>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let reply: Reply;
let channelId: string;
const url = "http://127.0.0.1/api/v1/orgs/acme/deliveries";
const params = { org: "acme" };

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  const other = (await seedOrg(db, "globex")).org;
  tokens = {
    admin: (await insertApiToken(db, { orgId, name: "ci", role: "admin" })).token,
    read: (await insertApiToken(db, { orgId, name: "dash", role: "read" })).token,
    otherOrg: (await insertApiToken(db, { orgId: other.id, name: "globex-ci", role: "admin" })).token,
  };
  reply = { status: 200 };
  receiver = await startReceiver(() => reply);
  channelId = await insertChannel(db, orgId, {
    type: "webhook",
    name: "Ops hook",
    settings: { url: receiver.url },
    secrets: { signingSecret: generateSigningSecret() },
  });
});

afterEach(async () => {
  await receiver.close();
  await closeTestDb(db);
});

describe("delivery log API", () => {
  it("lists deliveries newest first with their events and attempts, in the DESIGN §7.1 shape", async () => {
    reply = { status: 503 };
    const { deliveryId, eventIds } = await queueDelivery(db, { orgId, channelId, eventCount: 2 });
    await dispatchOnce(db, { deadlineMs: 5_000 });

    const res = await call(collection.GET, { url, token: tokens.read, params });
    expect(res.status).toBe(200);
    expect(res.json.deliveries).toHaveLength(1);
    const d = res.json.deliveries[0];
    expect(d).toMatchObject({ id: deliveryId, status: "queued", channelId, eventIds, channel: { name: "Ops hook", type: "webhook" } });
    expect(d.attempts).toEqual([
      {
        id: expect.stringMatching(/^att_/),
        at: expect.any(String),
        durationMs: expect.any(Number),
        status: 503,
        outcome: "retry",
        response: "receiver says 503",
        responseHeaders: { "content-type": "text/plain", date: expect.any(String) },
        error: expect.stringMatching(/503/),
      },
    ]);
    expect(res.json.nextCursor).toBeNull();
  });

  it("filters by status, channel, event, product and time, and pages with a cursor", async () => {
    const productId = newId("prd");
    await db.insert(products).values({ id: productId, orgId, slug: "shop", name: "Shop" });
    const otherChannel = await insertChannel(db, orgId, { type: "webhook", settings: { url: receiver.url } });
    const a = await queueDelivery(db, { orgId, channelId, productId });
    const b = await queueDelivery(db, { orgId, channelId: otherChannel });
    const c = await queueDelivery(db, { orgId, channelId });
    await db
      .update(deliveries)
      .set({ status: "dead", createdAt: new Date("2026-01-01T00:00:00Z") })
      .where(eq(deliveries.id, c.deliveryId));

    const ids = async (query: string) => {
      const res = await call(collection.GET, { url: `${url}?${query}`, token: tokens.read, params });
      expect(res.status).toBe(200);
      return (res.json.deliveries as { id: string }[]).map((d) => d.id).sort();
    };
    expect(await ids("status=dead")).toEqual([c.deliveryId]);
    expect(await ids(`channel=${otherChannel}`)).toEqual([b.deliveryId]);
    expect(await ids(`event=${a.eventIds[0]}`)).toEqual([a.deliveryId]);
    expect(await ids("product=shop")).toEqual([a.deliveryId]);
    expect(await ids("to=2026-02-01T00:00:00Z")).toEqual([c.deliveryId]);
    expect(await ids("from=2026-02-01T00:00:00Z")).toEqual([a.deliveryId, b.deliveryId].sort());

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; json: { deliveries: { id: string }[]; nextCursor: string | null } } = await call(collection.GET, {
        url: `${url}?limit=1${cursor ? `&cursor=${cursor}` : ""}`,
        token: tokens.read,
        params,
      });
      expect(page.json.deliveries.length).toBeLessThanOrEqual(1);
      seen.push(...page.json.deliveries.map((d) => d.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([a, b, c].map((x) => x.deliveryId).sort());
  });

  it("bad filters get 400 naming the field; an unknown product or delivery 404", async () => {
    const bad = await call(collection.GET, { url: `${url}?status=lost&limit=0`, token: tokens.read, params });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json.error.fields).sort()).toEqual(["limit", "status"]);
    expect((await call(collection.GET, { url: `${url}?from=yesterday`, token: tokens.read, params })).json.error.fields.from).toBeDefined();
    expect((await call(collection.GET, { url: `${url}?product=nope`, token: tokens.read, params })).status).toBe(404);
    expect((await call(item.GET, { url, token: tokens.read, params: { ...params, id: "dlv_nope" } })).status).toBe(404);
  });

  it("another org's token gets 404, no token 401", async () => {
    expect((await call(collection.GET, { url, token: tokens.otherOrg, params })).status).toBe(404);
    expect((await call(collection.GET, { url, params })).status).toBe(401);
  });
});

describe("retry, replay and re-enable", () => {
  it("Retry: a read token is refused (403); an admin gets 202, and the fixed receiver gets the same webhook-id", async () => {
    reply = { status: 400 };
    const { deliveryId } = await queueDelivery(db, { orgId, channelId });
    await dispatchOnce(db, { deadlineMs: 5_000 });
    const idParams = { ...params, id: deliveryId };

    expect((await call(retry.POST, { method: "POST", url, token: tokens.read, params: idParams })).status).toBe(403);
    reply = { status: 200 };
    const res = await call(retry.POST, { method: "POST", url, token: tokens.admin, params: idParams });
    expect(res.status).toBe(202);
    expect(res.json.delivery).toMatchObject({ id: deliveryId, status: "queued", attemptCount: 0 });

    await dispatchOnce(db, { deadlineMs: 5_000 });
    const shown = await call(item.GET, { url, token: tokens.read, params: idParams });
    expect(shown.json.delivery.status).toBe("delivered");
    expect(shown.json.delivery.attempts.map((a: { outcome: string; status: number }) => [a.outcome, a.status])).toEqual([
      ["failed", 400],
      ["delivered", 200],
    ]);
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([deliveryId, deliveryId]);
    expect(await db.select().from(auditEntries).where(eq(auditEntries.action, "delivery.retried"))).toHaveLength(1);

    const again = await call(retry.POST, { method: "POST", url, token: tokens.admin, params: idParams });
    expect(again.status).toBe(409);
  });

  it("Replay: every failed or dead delivery of the channel since the time goes out again; others are untouched", async () => {
    reply = { status: 400 };
    const old = await queueDelivery(db, { orgId, channelId });
    const recent = [await queueDelivery(db, { orgId, channelId }), await queueDelivery(db, { orgId, channelId })];
    await dispatchOnce(db, { deadlineMs: 5_000 });
    await db
      .update(deliveries)
      .set({ createdAt: new Date("2025-01-01T00:00:00Z") })
      .where(eq(deliveries.id, old.deliveryId));

    const refused = await call(replay.POST, { method: "POST", url, token: tokens.admin, params, body: { channel: channelId, since: "last week" } });
    expect(refused.status).toBe(422);
    expect(refused.json.error.fields.since).toBeDefined();
    const unknown = await call(replay.POST, { method: "POST", url, token: tokens.admin, params, body: { channel: "ch_nope", since: "2026-01-01T00:00:00Z" } });
    expect(unknown.status).toBe(404);

    reply = { status: 200 };
    const res = await call(replay.POST, { method: "POST", url, token: tokens.admin, params, body: { channel: channelId, since: "2026-01-01T00:00:00Z" } });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ replayed: 2 });
    await dispatchOnce(db, { deadlineMs: 5_000 });
    const statusOf = async (id: string) => (await db.select().from(deliveries).where(eq(deliveries.id, id)))[0]?.status;
    for (const r of recent) expect(await statusOf(r.deliveryId)).toBe("delivered");
    expect(await statusOf(old.deliveryId)).toBe("failed");
  });

  it("Re-enable: a disabled channel turns healthy and its waiting deliveries go out", async () => {
    await db.update(channels).set({ health: "disabled", consecutiveFailures: 9 }).where(eq(channels.id, channelId));
    const waiting = await queueDelivery(db, { orgId, channelId });
    expect(await dispatchOnce(db, { deadlineMs: 2_000 })).toMatchObject({ claimed: 0 });

    const enableUrl = `http://127.0.0.1/api/v1/orgs/acme/channels/${channelId}/enable`;
    expect((await call(enable.POST, { method: "POST", url: enableUrl, token: tokens.read, params: { ...params, id: channelId } })).status).toBe(403);
    const res = await call(enable.POST, { method: "POST", url: enableUrl, token: tokens.admin, params: { ...params, id: channelId } });
    expect(res.status).toBe(200);
    expect(res.json.channel).toEqual({ id: channelId, health: "healthy", enabled: true, waitingDeliveries: 1 });

    await dispatchOnce(db, { deadlineMs: 5_000 });
    expect((await db.select().from(deliveries).where(eq(deliveries.id, waiting.deliveryId)))[0]?.status).toBe("delivered");
    expect((await db.select().from(channels).where(eq(channels.id, channelId)))[0]).toMatchObject({ health: "healthy", consecutiveFailures: 0 });
  });

  it("a query reaching past the retention window says so instead of answering an empty list without a word", async () => {
    const list = (query: string) => call(collection.GET, { url: `${url}?${query}`, token: tokens.read, params });
    const old = new Date(Date.now() - 40 * 24 * 3600 * 1000).toISOString();
    const past = await list(`from=${encodeURIComponent(old)}`);
    expect(past.status).toBe(200);
    expect(past.json.notice).toMatch(/^Finished deliveries are kept 30 days \(HERALD_RETENTION_DAYS\): this query reaches before /);
    const gone = await list("event=evt_deleted0000000000");
    expect(gone.json.deliveries).toEqual([]);
    expect(gone.json.notice).toMatch(/No event evt_deleted0000000000 is stored in this organization/);
    expect((await list("status=failed")).json.notice).toBeUndefined();
  });
});
