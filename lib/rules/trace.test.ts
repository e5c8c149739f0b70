import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels, products } from "@/db/schema";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { dispatchOnce } from "@/lib/dispatch/run";
import { insertChannel, startReceiver } from "@/lib/dispatch/test-support";
import { ingestEvents } from "@/lib/events/ingest";
import type { RuleBody } from "@/lib/validation/rules";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as traceRoute from "@/app/api/v1/orgs/[org]/events/[id]/trace/route";
import { createRule, updateRule } from "./queries";
import { traceEvent, type EventTrace } from "./trace";

/**
 * "Why did (or didn't) this notify?" (issue #23 item 1): one event, every rule
 * of the org and why it took the event or not, each channel's outcome, the
 * deliveries with their attempts — checked against real deliveries to a
 * loopback receiver, one of which refuses.
 */
process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_LOG_LEVEL = "silent";

let db: Db;
let orgId: string;
let good: Awaited<ReturnType<typeof startReceiver>>;
let refusing: Awaited<ReturnType<typeof startReceiver>>;
const ids: Record<string, string> = {};

const rule = (body: Partial<RuleBody> & Pick<RuleBody, "name" | "channels">): RuleBody => ({
  product: null,
  products: [],
  eventTypes: ["deployment.failed"],
  severities: ["error", "critical", "alert"],
  mode: "immediate",
  digestMinutes: null,
  splitByProduct: false,
  enabled: true,
  ...body,
});

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  await db.insert(products).values([
    { id: "prd_shop", orgId, slug: "web-shop", name: "Web shop" },
    { id: "prd_api", orgId, slug: "api", name: "API" },
  ]);
  good = await startReceiver(() => ({ status: 200 }));
  refusing = await startReceiver(() => ({ status: 410, body: "gone" }));
  ids.ops = await insertChannel(db, orgId, { type: "webhook", name: "ops", settings: { url: good.url } });
  ids.oncall = await insertChannel(db, orgId, { type: "webhook", name: "oncall", settings: { url: refusing.url } });
  ids.digest = await insertChannel(db, orgId, { type: "webhook", name: "daily", settings: { url: good.url } });
  ids.off = await insertChannel(db, orgId, { type: "webhook", name: "switched-off", settings: { url: good.url } });
  ids.quiet = await insertChannel(db, orgId, { type: "webhook", name: "quiet", settings: { url: good.url } });
  ids.apiOwn = await insertChannel(db, orgId, { type: "webhook", name: "api-own", settings: { url: good.url }, productId: "prd_api" });
  await db.update(channels).set({ enabled: false }).where(eq(channels.id, ids.off));
  ids.failures = (await createRule(db, orgId, SYSTEM_ACTOR, rule({ name: "Failures", channels: [ids.ops, ids.oncall, ids.off] }))).id;
  ids.alsoOps = (await createRule(db, orgId, SYSTEM_ACTOR, rule({ name: "Also ops", eventTypes: "all", channels: [ids.ops] }))).id;
  ids.digestRule = (await createRule(db, orgId, SYSTEM_ACTOR, rule({ name: "Hourly", mode: "digest", digestMinutes: 60, channels: [ids.digest] }))).id;
  ids.criticalOnly = (await createRule(db, orgId, SYSTEM_ACTOR, rule({ name: "Critical only", severities: ["critical"], channels: [ids.quiet] }))).id;
  ids.apiOnly = (await createRule(db, orgId, SYSTEM_ACTOR, rule({ name: "API only", products: ["api"], channels: [ids.quiet] }))).id;
  ids.disabled = (await createRule(db, orgId, SYSTEM_ACTOR, rule({ name: "Paused", enabled: false, channels: [ids.quiet] }))).id;
});
afterEach(async () => {
  await good.close();
  await refusing.close();
  await closeTestDb(db);
});

const byName = (trace: EventTrace, name: string) => trace.rules.find((r) => r.rule.name === name)!;
const channelSide = (trace: EventTrace, name: string) => trace.channels.find((c) => c.channel.name === name)!;

describe("event trace", () => {
  it("says for every rule whether it took the event and why not, and what became of each channel", async () => {
    const [{ id }] = await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "web-shop", severity: "error", title: "Deploy 42 failed" }], {
      indexed: true,
    });
    await dispatchOnce(db, { deadlineMs: 20_000 });
    const trace = await traceEvent(db, orgId, id);

    expect(trace.rules.map((r) => [r.rule.name, r.verdict])).toEqual([
      ["Failures", "took"],
      ["Also ops", "took"],
      ["Hourly", "took"],
      ["Paused", "disabled"],
      ["Critical only", "missed"],
      ["API only", "missed"],
    ]);
    expect(byName(trace, "Critical only").reasons).toEqual(["severity error is not among the rule's (critical)"]);
    expect(byName(trace, "API only").reasons).toEqual(["product web-shop is not among the rule's products"]);

    const failures = byName(trace, "Failures").channels;
    expect(failures.find((c) => c.channel.name === "ops")).toMatchObject({ outcome: "delivery", explanation: "Delivered (1 attempt)." });
    expect(failures.find((c) => c.channel.name === "oncall")).toMatchObject({
      outcome: "delivery",
      explanation: expect.stringMatching(/^Failed \(1 attempt\): .*410/),
    });
    expect(failures.find((c) => c.channel.name === "switched-off")).toMatchObject({ outcome: "channel-disabled", deliveryId: null });
    // Two rules name ops: one delivery, made for the first; the second says so.
    expect(byName(trace, "Also ops").channels).toEqual([
      expect.objectContaining({ outcome: "merged", explanation: expect.stringContaining("rule “Failures”") }),
    ]);
    expect(byName(trace, "Hourly").channels[0].explanation).toMatch(/^Collecting in a digest; it goes out at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.$/);

    // The real deliveries, with their attempts, as the receivers saw them.
    expect(good.received).toHaveLength(1);
    expect(refusing.received).toHaveLength(1);
    const toOncall = trace.deliveries.find((d) => d.channel.name === "oncall")!;
    expect(toOncall).toMatchObject({
      status: "failed",
      rule: { name: "Failures" },
      attempts: [expect.objectContaining({ statusCode: 410, outcome: "failed" })],
    });
    expect(trace.deliveries.map((d) => d.channel.name).sort()).toEqual(["daily", "oncall", "ops"]);

    // The other side: each channel the event could reach.
    expect(channelSide(trace, "ops")).toMatchObject({ received: true, why: "By rule “Failures”. Delivered (1 attempt)." });
    expect(channelSide(trace, "switched-off")).toMatchObject({ received: false, why: "The channel is disabled." });
    expect(channelSide(trace, "quiet")).toMatchObject({ received: false });
    expect(channelSide(trace, "quiet").why).toBe(
      "Rule “Paused” is disabled. Rule “Critical only”: severity error is not among the rule's (critical). Rule “API only”: product web-shop is not among the rule's products.",
    );
    // Another product's own channel is not one this event could reach.
    expect(trace.channels.find((c) => c.channel.name === "api-own")).toBeUndefined();
  });

  it("says when a rule changed after the event arrived, instead of guessing what it said then", async () => {
    const [{ id }] = await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "web-shop", severity: "warning", title: "warned" }], {
      indexed: true,
      now: Date.now() - 60_000,
    });
    await updateRule(db, orgId, SYSTEM_ACTOR, ids.criticalOnly, { severities: ["warning"] });
    const trace = await traceEvent(db, orgId, id);
    const changed = byName(trace, "Critical only");
    expect(changed).toMatchObject({ verdict: "took", changedSince: true });
    expect(changed.channels[0]).toMatchObject({ outcome: "none", explanation: expect.stringContaining("the rule changed after the event arrived") });
    expect(channelSide(trace, "quiet").why).toContain("made no delivery (it changed after the event arrived)");
  });

  it("is served to a read token, and another org's event is not found", async () => {
    const [{ id }] = await ingestEvents(db, orgId, [{ type: "deployment.failed", product: "web-shop", severity: "error", title: "t" }], { indexed: true });
    const read = (await insertApiToken(db, { orgId, name: "read", role: "read" })).token;
    const res = await call(traceRoute.GET, {
      method: "GET",
      url: `http://127.0.0.1/api/v1/orgs/acme/events/${id}/trace`,
      token: read,
      params: { org: "acme", id },
    });
    expect(res.status).toBe(200);
    const body = res.json as EventTrace;
    expect(body.rules).toHaveLength(6);
    expect(body.event).toMatchObject({ id, product: "web-shop", severity: "error" });
    const otherOrg = (await seedOrg(db, "globex")).org.id;
    const theirs = (await insertApiToken(db, { orgId: otherOrg, name: "read", role: "read" })).token;
    const refused = await call(traceRoute.GET, {
      method: "GET",
      url: `http://127.0.0.1/api/v1/orgs/globex/events/${id}/trace`,
      token: theirs,
      params: { org: "globex", id },
    });
    expect(refused.status).toBe(404);
  });
});
