import fc from "fast-check";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { engineOf, sqliteOf, type Db } from "@/db/client";
import { channels, deliveries, deliveryEvents, events, products, ruleChannels, rules, SEVERITIES } from "@/db/schema";
import { createToken } from "@/lib/accounts/tokens";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { newId } from "@/lib/ids";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { POST } from "./route";

let db: Db;
let orgId: string;
let admin: string;
const url = "http://127.0.0.1/api/v1/events";
const post = (body: unknown, token = admin) => call(POST, { method: "POST", url, token, body });

async function channel(name: string) {
  const id = newId("ch");
  await db.insert(channels).values({ id, orgId, type: "webhook", name, settings: { url: "https://example.test/hook" } });
  return id;
}
async function rule(channelIds: string[], over: Partial<typeof rules.$inferInsert> = {}) {
  const id = newId("rul");
  await db.insert(rules).values({ id, orgId, name: id, eventTypes: "all", severities: [...SEVERITIES], ...over });
  for (const channelId of channelIds) await db.insert(ruleChannels).values({ ruleId: id, channelId });
  return id;
}
const count = async (table: typeof events | typeof deliveries | typeof deliveryEvents) => (await db.select().from(table)).length;

/** Makes every insert into delivery_events fail (a failure between an event and its deliveries), or stops doing so. */
async function injectFailure(on: boolean) {
  if (engineOf(db) === "sqlite") {
    sqliteOf(db).exec(
      on ? "CREATE TRIGGER injected_failure BEFORE INSERT ON delivery_events BEGIN SELECT RAISE(ABORT, 'injected'); END;" : "DROP TRIGGER injected_failure",
    );
  } else if (on) {
    await db.execute(sql.raw("CREATE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected'; END $$"));
    await db.execute(sql.raw("CREATE TRIGGER injected_failure BEFORE INSERT ON delivery_events FOR EACH ROW EXECUTE FUNCTION injected_failure()"));
  } else {
    await db.execute(sql.raw("DROP TRIGGER injected_failure ON delivery_events"));
    await db.execute(sql.raw("DROP FUNCTION injected_failure()"));
  }
}

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  await db.insert(products).values({ id: "prd_shop", orgId, slug: "shop", name: "Shop" });
  admin = (await insertApiToken(db, { orgId, name: "ci", role: "admin" })).token;
});
afterEach(() => closeTestDb(db));

describe("POST /api/v1/events", () => {
  it("stores an event with one delivery per matching channel, in one go", async () => {
    const a = await channel("a");
    const b = await channel("b");
    await rule([a, b]);
    await rule([b], { eventTypes: ["deployment.failed"] }); // b again: still one delivery to b
    const res = await post({ id: "deploy-1", type: "deployment.failed", product: "shop", title: "Deploy 42 failed", data: { build: 42 } });
    expect(res.status).toBe(202);
    expect(res.json.events).toEqual([{ id: expect.stringMatching(/^evt_/), deliveries: 2 }]);
    const [stored] = await db.select().from(events);
    expect(stored).toMatchObject({ type: "deployment.failed", severity: "error", productId: "prd_shop", data: { build: 42 } });
    expect(await count(deliveries)).toBe(2);
  });

  it("a repeated id is accepted once and never creates deliveries twice — also 20 times in parallel", async () => {
    await rule([await channel("a")]);
    const results = await Promise.all(Array.from({ length: 20 }, () => post({ id: "same", type: "billing.credits_low", title: "Low" })));
    // 202 every time (DESIGN §7.1, the OpenAPI document); the repeats say duplicate.
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(results.filter((r) => r.json.events[0].duplicate === true)).toHaveLength(19);
    expect(new Set(results.map((r) => r.json.events[0].id)).size).toBe(1);
    expect(await count(events)).toBe(1);
    expect(await count(deliveries)).toBe(1);
  });

  it("a batch is all-or-nothing, and errors name the item index and field", async () => {
    await rule([await channel("a")]);
    const res = await post([
      { type: "billing.credits_low", title: "ok" },
      { type: "no.such_type", title: "x" },
      { type: "deployment.failed", title: "no product" },
      { type: "billing.credits_low", product: "shop", title: "org event with a product" },
      { type: "deployment.failed", product: "nope", title: "unknown product" },
    ]);
    expect(res.status).toBe(422);
    expect(Object.keys(res.json.error.fields).sort()).toEqual(["1.type", "2.product", "3.product", "4.product"]);
    const shape = await post([
      { type: "log.entry", title: "ok" },
      { type: "log.entry", severity: "loud", title: "bad severity" },
    ]);
    expect(shape.json.error.fields).toEqual({ "1.severity": [expect.stringContaining("must be one of")] });
    const single = await post({ type: "log.entry", title: "" });
    expect(Object.keys(single.json.error.fields)).toEqual(["title"]);
    expect(await count(events)).toBe(0);
    expect(await count(deliveries)).toBe(0);
  });

  it("text no database stores faithfully (NUL, an unpaired surrogate) is refused with 422 naming the field, on both engines", async () => {
    await rule([await channel("a")]);
    const nul = await post({ type: "billing.credits_low", title: "low\u0000credits" });
    expect(nul.status).toBe(422);
    expect(nul.json.error.fields).toEqual({ title: [expect.stringMatching(/NUL/)] });
    const batch = await post([
      { type: "billing.credits_low", title: "fine" },
      { type: "billing.credits_low", title: "fine", data: { note: "half a pair \ud800 here" } },
    ]);
    expect(batch.status).toBe(422);
    expect(Object.keys(batch.json.error.fields)).toEqual(["1.data.note"]);
    expect(await count(events)).toBe(0);
    // A whole pair (an emoji) is text like any other.
    expect((await post({ type: "billing.credits_low", title: "low credits 🔥" })).status).toBe(202);
  });

  it("more than 1,000 events or an empty batch are refused", async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ type: "log.entry", title: `line ${i}` }));
    expect((await post(many)).status).toBe(422);
    expect((await post([])).status).toBe(422);
  });

  it("a read token may not post events; a token's org is the event's org", async () => {
    const read = (await insertApiToken(db, { orgId, name: "r", role: "read" })).token;
    expect((await post({ type: "log.entry", title: "x" }, read)).status).toBe(403);
    expect((await post({ type: "log.entry", title: "x" }, "hrld_unknown")).status).toBe(401);
  });

  it("a failure between the event and its deliveries leaves nothing stored", async () => {
    await rule([await channel("a")]);
    await injectFailure(true);
    const res = await post([
      { type: "log.entry", title: "one" },
      { type: "log.entry", title: "two" },
    ]);
    expect(res.status).toBe(500);
    expect(await count(events)).toBe(0);
    expect(await count(deliveries)).toBe(0);
    await injectFailure(false);
    expect((await post({ type: "log.entry", title: "one" })).status).toBe(202);
  });

  it("digest rules collect the events of a window into one delivery per channel (per product when split)", async () => {
    const a = await channel("digest");
    await rule([a], { mode: "digest", digestMinutes: 60, splitByProduct: true });
    await db.insert(products).values({ id: "prd_api", orgId, slug: "api", name: "API" });
    const batch = Array.from({ length: 30 }, (_, i) => ({ type: "deployment.failed", product: i % 3 === 0 ? "api" : "shop", title: `fail ${i}` }));
    expect((await post(batch)).status).toBe(202);
    const rows = await db.select().from(deliveries);
    expect(rows).toHaveLength(2);
    expect(rows.every((d) => d.digestKey !== null && d.nextAttemptAt.getTime() > Date.now())).toBe(true);
    expect(await count(deliveryEvents)).toBe(30);
  });

  it("random JSON never gets a 500 and never stores part of a batch", async () => {
    await rule([await channel("a")]);
    const eventish = fc.record(
      {
        id: fc.string(),
        type: fc.constantFrom("log.entry", "deployment.failed", "billing.credits_low", "x", ""),
        product: fc.constantFrom("shop", "nope", "", "SHOP"),
        severity: fc.constantFrom(...SEVERITIES, "loud"),
        title: fc.string(),
        data: fc.anything(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), eventish, fc.array(eventish, { maxLength: 5 })), async (body) => {
        const before = await count(events);
        const res = await post(body === undefined ? null : body);
        expect(res.status).toBeLessThan(500);
        expect(res.json.error ?? res.json.events).toBeDefined();
        const stored = (await count(events)) - before;
        if (res.status >= 400) expect(stored).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});

describe("platform events", () => {
  it("an audited change raises its platform event, routed by rules in the same transaction", async () => {
    const a = await channel("security");
    await rule([a], { eventTypes: ["token.created", "token.revoked"] });
    await createToken(db, orgId, SYSTEM_ACTOR, { name: "deployer", role: "admin" });
    const [event] = (await db.select().from(events)).filter((e) => e.type === "token.created");
    expect(event).toMatchObject({ severity: "warning", source: "herald", data: expect.objectContaining({ target: "deployer" }) });
    expect((await db.select().from(deliveryEvents)).map((d) => d.eventId)).toContain(event.id);
  });
});
