import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels, deliveries, deliveryEvents, events, products } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { ingestEvents } from "@/lib/events/ingest";
import { productPreferencesSchema } from "@/lib/validation/product-preferences";
import type { RuleBody } from "@/lib/validation/rules";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { setProductPreferences } from "./product-preferences";
import { createRule, whatWouldMatch } from "./queries";
import { eventRoutes, productRoutes, type Route } from "./routes";

/**
 * Where a product's events go, and why (issue #20 item 3): a product page said
 * "Deployment succeeded → none" while org rules sent that product's deployments
 * to seven channels. The routes name every rule and channel, and agree with
 * what ingest really queues.
 */
let db: Db;
let orgId: string;
let deploymentsRuleId: string;
const SHOP = { id: "prd_shop", slug: "web-shop", name: "Web shop" };

const rule = (body: Partial<RuleBody> & Pick<RuleBody, "name" | "channels">): RuleBody => ({
  product: null,
  products: [],
  eventTypes: "all",
  severities: ["error", "critical", "alert"],
  mode: "immediate",
  digestMinutes: null,
  splitByProduct: false,
  enabled: true,
  ...body,
});
const lines = (routes: Route[]) => routes.map((r) => `${r.channel.name} ← ${r.rule.name}`).sort();

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  await db.insert(products).values([
    { ...SHOP, orgId },
    { id: "prd_api", orgId, slug: "api", name: "API" },
  ]);
  await db.insert(channels).values(
    ["ops", "pager", "shop-team", "api-team", "archive"].map((name) => ({
      id: `ch_${name.replace("-", "_")}`,
      orgId,
      productId: null,
      type: "webhook" as const,
      name,
      enabled: name !== "archive",
      settings: { url: `https://example.test/${name}` },
    })),
  );
  await createRule(db, orgId, SYSTEM_ACTOR, rule({ name: "All errors", channels: ["ch_ops", "ch_archive"] }));
  deploymentsRuleId = (
    await createRule(
      db,
      orgId,
      SYSTEM_ACTOR,
      rule({
        name: "Deployments",
        eventTypes: ["deployment.succeeded", "deployment.failed"],
        severities: ["info", "warning", "error", "critical", "alert"],
        channels: ["ch_pager"],
      }),
    )
  ).id;
  await createRule(db, orgId, SYSTEM_ACTOR, rule({ name: "API only", products: ["api"], channels: ["ch_api_team"] }));
  await createRule(db, orgId, SYSTEM_ACTOR, rule({ name: "Switched off", channels: ["ch_pager"], enabled: false }));
  await setProductPreferences(
    db,
    orgId,
    SYSTEM_ACTOR,
    SHOP,
    productPreferencesSchema.parse({ preferences: [{ eventType: "deployment.failed", channels: ["ch_shop_team"], minSeverity: "warning" }] }),
  );
});
afterEach(() => closeTestDb(db));

describe("routes", () => {
  it("name, per event type of a product, every enabled rule that sends it and its channels, with the severities it takes", async () => {
    const routes = await productRoutes(db, orgId, SHOP.id, ["deployment.succeeded", "deployment.failed"]);
    // "none" on the product's own settings, yet org rules send it: the page must say so.
    expect(lines(routes["deployment.succeeded"])).toEqual(["archive ← All errors", "ops ← All errors", "pager ← Deployments"]);
    const shopRule = routes["deployment.failed"].find((r) => r.channel.name === "shop-team")!.rule;
    expect(lines(routes["deployment.failed"])).toEqual(["archive ← All errors", "ops ← All errors", "pager ← Deployments", `shop-team ← ${shopRule.name}`]);
    const ops = routes["deployment.succeeded"].find((r) => r.channel.name === "ops")!;
    expect(ops).toMatchObject({ rule: { scope: "org" }, severities: ["error", "critical", "alert"], channel: { enabled: true } });
    expect(routes["deployment.succeeded"].find((r) => r.channel.name === "archive")!.channel.enabled).toBe(false);
    expect(routes["deployment.failed"].find((r) => r.channel.name === "shop-team")!.rule.scope).toBe("product");
  });

  it("agree with what ingest queues, event by event", async () => {
    const sent = [
      { type: "deployment.succeeded", product: "web-shop", severity: "info" as const, title: "a" },
      { type: "deployment.failed", product: "web-shop", severity: "error" as const, title: "b" },
      { type: "deployment.failed", product: "api", severity: "warning" as const, title: "c" },
      { type: "log.entry", product: "api", severity: "critical" as const, title: "d" },
      { type: "log.entry", severity: "debug" as const, title: "e" },
    ];
    for (const event of sent) await ingestEvents(db, orgId, [event], { indexed: true });
    const stored = await db.select().from(events).where(eq(events.orgId, orgId));
    const routes = await eventRoutes(db, orgId, stored);
    for (const event of stored) {
      const queued = await db
        .select({ channelId: deliveries.channelId })
        .from(deliveries)
        .where(inArray(deliveries.id, db.select({ id: deliveryEvents.deliveryId }).from(deliveryEvents).where(eq(deliveryEvents.eventId, event.id))));
      const shown = new Set(routes[event.id].filter((r) => r.channel.enabled).map((r) => r.channel.id));
      expect([...shown].sort(), event.title).toEqual(queued.map((q) => q.channelId).sort());
    }
    expect(lines(routes[stored.find((e) => e.title === "e")!.id])).toEqual([]);
  });

  it("come with each event of 'What would match'", async () => {
    await ingestEvents(db, orgId, [{ type: "deployment.succeeded", product: "web-shop", severity: "error", title: "deployed" }], { indexed: true });
    const [event] = await whatWouldMatch(db, orgId, deploymentsRuleId);
    expect(lines(event.routes)).toEqual(["archive ← All errors", "ops ← All errors", "pager ← Deployments"]);
  });
});
