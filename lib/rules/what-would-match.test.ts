import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { channels, products } from "@/db/schema";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { ingestEvents } from "@/lib/events/ingest";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { almostMatched, createRule, whatWouldMatch } from "./queries";

/**
 * "What would match" (issue #21 item 3): besides the events a rule would have
 * sent, the ones that missed it by one criterion, and which — a newcomer's rule
 * left at the form's default (Alert) said only "no stored event matches".
 */
let db: Db;
let orgId: string;

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  await db.insert(products).values([
    { id: "prd_shop", orgId, slug: "web-shop", name: "Web shop" },
    { id: "prd_api", orgId, slug: "api", name: "API" },
  ]);
  await db.insert(channels).values({ id: "ch_hook", orgId, productId: null, type: "webhook", name: "hook", settings: { url: "https://example.test/hook" } });
});
afterEach(() => closeTestDb(db));

describe("what would match", () => {
  it("names the events that missed the rule by severity, product or type, and not those that missed by more", async () => {
    const rule = await createRule(db, orgId, SYSTEM_ACTOR, {
      name: "Failed web-shop deployments",
      product: null,
      products: ["web-shop"],
      eventTypes: ["deployment.failed"],
      severities: ["alert"], // the rule form's default
      channels: ["ch_hook"],
      mode: "immediate",
      digestMinutes: null,
      splitByProduct: false,
      enabled: true,
    });
    await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "web-shop", severity: "alert", title: "matches" }], { indexed: true });
    await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "web-shop", title: "an error (README's example)" }], { indexed: true });
    await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "api", severity: "alert", title: "another product" }], { indexed: true });
    await ingestEvents(db, orgId, [{ type: "deployment.succeeded", product: "web-shop", severity: "alert", title: "another type" }], { indexed: true });
    await ingestEvents(db, orgId, [{ type: "deployment.succeeded", product: "api", title: "two criteria off" }], { indexed: true });

    expect((await whatWouldMatch(db, orgId, rule.id)).map((e) => e.title)).toEqual(["matches"]);
    const misses = await almostMatched(db, orgId, rule.id);
    expect(misses.map((e) => [e.title, e.missed]).sort()).toEqual([
      ["an error (README's example)", "severity"],
      ["another product", "product"],
      ["another type", "type"],
    ]);
    expect(misses.find((e) => e.missed === "product")).toMatchObject({ product: "api" });
  });
});
