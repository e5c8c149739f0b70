import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { auditEntries, channels, products, rules } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { AppError } from "@/lib/errors";
import { ingestEvents } from "@/lib/events/ingest";
import { newId } from "@/lib/ids";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { productPreferences, setProductPreferences } from "./product-preferences";
import { createRule } from "./queries";

let db: Db;
let orgId: string;
let ops: string;
const shop = { id: "prd_shop", slug: "shop", name: "Shop" };

async function channel(name: string, productId: string | null = null) {
  const id = newId("ch");
  await db.insert(channels).values({ id, orgId, productId, type: "webhook", name, settings: { url: "https://example.test/hook" } });
  return id;
}
const save = (preferences: { eventType: string; channels: string[]; minSeverity?: "debug" | "info" | "warning" | "error" | "critical" | "alert" }[]) =>
  setProductPreferences(db, orgId, SYSTEM_ACTOR, shop, { preferences: preferences.map((p) => ({ minSeverity: "debug", ...p })) });
const prefOf = async (key: string) => (await productPreferences(db, orgId, shop)).preferences.find((p) => p.eventType.key === key)!;

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  await db.insert(products).values([
    { ...shop, orgId },
    { id: "prd_api", orgId, slug: "api", name: "API" },
  ]);
  ops = await channel("ops");
});
afterEach(() => closeTestDb(db));

describe("product preferences", () => {
  it("lists the product's event types with no channel by default", async () => {
    const { preferences } = await productPreferences(db, orgId, shop);
    expect(preferences.map((p) => p.eventType.key)).toEqual([
      "product.compliance_changed",
      "product.released",
      "deployment.succeeded",
      "deployment.failed",
      "log.entry",
    ]);
    expect(preferences.every((p) => p.channels.length === 0 && p.ruleId === null)).toBe(true);
  });

  it("a channel picked for one event type becomes a product rule for it, from the chosen severity up", async () => {
    await save([{ eventType: "deployment.failed", channels: [ops], minSeverity: "error" }]);
    expect(await prefOf("deployment.failed")).toMatchObject({ channels: [ops], minSeverity: "error" });
    const [rule] = await db.select().from(rules);
    expect(rule).toMatchObject({ productId: "prd_shop", eventTypes: ["deployment.failed"], severities: ["error", "critical", "alert"] });
    const sent = await ingestEvents(
      db,
      orgId,
      [
        { type: "deployment.failed", product: "shop", title: "sent" },
        { type: "deployment.failed", product: "shop", severity: "warning", title: "too low" },
        { type: "deployment.failed", product: "api", title: "another product" },
        { type: "deployment.succeeded", product: "shop", title: "another type" },
      ],
      { indexed: true },
    );
    expect(sent.map((r) => r.deliveries)).toEqual([1, 0, 0, 0]);
  });

  it("saving the same settings again changes nothing; none removes the rule", async () => {
    await save([{ eventType: "deployment.failed", channels: [ops] }]);
    const audits = (await db.select().from(auditEntries)).length;
    await save([{ eventType: "deployment.failed", channels: [ops] }]);
    expect(await db.select().from(auditEntries)).toHaveLength(audits);
    await save([{ eventType: "deployment.failed", channels: [] }]);
    expect(await db.select().from(rules)).toHaveLength(0);
    expect((await prefOf("deployment.failed")).channels).toEqual([]);
  });

  it("refuses another product's channel and an org event, naming the row, and saves no row of the batch", async () => {
    const apiOwn = await channel("api-own", "prd_api");
    const attempt = async (prefs: Parameters<typeof save>[0]) => {
      try {
        await save(prefs);
      } catch (e) {
        return (e as AppError).fields;
      }
    };
    expect(
      await attempt([
        { eventType: "deployment.failed", channels: [ops] },
        { eventType: "product.released", channels: [apiOwn] },
      ]),
    ).toEqual({
      "preferences.1.channels.0": [`unknown channel "${apiOwn}"`],
    });
    expect(await attempt([{ eventType: "billing.credits_low", channels: [ops] }])).toHaveProperty(["preferences.0.eventType"]);
    expect(await db.select().from(rules)).toHaveLength(0);
  });

  it("leaves the product's other rules alone and lists them", async () => {
    const other = await createRule(db, orgId, SYSTEM_ACTOR, {
      name: "API-made",
      product: "shop",
      products: [],
      eventTypes: ["deployment.failed", "deployment.succeeded"],
      severities: ["info"],
      channels: [ops],
      mode: "immediate",
      digestMinutes: null,
      splitByProduct: false,
      enabled: true,
    });
    await save([{ eventType: "deployment.failed", channels: [] }]);
    expect((await productPreferences(db, orgId, shop)).otherRules.map((r) => r.id)).toEqual([other.id]);
  });
});
