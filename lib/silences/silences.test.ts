import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { auditEntries, events, products } from "@/db/schema";
import { SYSTEM_ACTOR, type Principal } from "@/lib/auth/permissions";
import { dispatchOnce } from "@/lib/dispatch/run";
import { insertChannel, startReceiver } from "@/lib/dispatch/test-support";
import { ingestEvents } from "@/lib/events/ingest";
import { createRule } from "@/lib/rules/queries";
import { traceEvent } from "@/lib/rules/trace";
import type { z } from "zod";
import { silenceSchema } from "@/lib/validation/silences";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { createSilence, expireSilence, listSilences, snoozeEvent } from "./silences";

/**
 * Silences and snoozes (issue #23 item 2): events a silence matches are stored,
 * marked "silenced by" it, and not sent to the channels it covers — checked at
 * real loopback receivers; a pending or expired silence keeps nothing quiet.
 */
process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_LOG_LEVEL = "silent";

let db: Db;
let orgId: string;
let owner: Principal;
let ops: Awaited<ReturnType<typeof startReceiver>>;
let pager: Awaited<ReturnType<typeof startReceiver>>;
const ids: Record<string, string> = {};
const DAY = 86_400_000;

const silence = (input: Omit<z.input<typeof silenceSchema>, "reason"> & { reason?: string }, now = Date.now()) =>
  createSilence(db, orgId, owner, SYSTEM_ACTOR, silenceSchema.parse({ reason: "maintenance", ...input }), now);
const post = (event: { type?: string; product?: string; severity?: "error" | "warning"; title?: string; data?: Record<string, unknown> }, now?: number) =>
  ingestEvents(db, orgId, [{ type: "deployment.failed", product: "web-shop", severity: "error", title: "Deploy failed", ...event }], {
    indexed: true,
    now,
  }).then(([r]) => r);
const stored = async (id: string) => (await db.select().from(events).where(eq(events.id, id)))[0];
const deliver = () => dispatchOnce(db, { deadlineMs: 20_000 });

beforeEach(async () => {
  db = await testDb();
  const seeded = await seedOrg(db, "acme");
  orgId = seeded.org.id;
  owner = { kind: "user", userId: "usr_owner", email: "owner@acme.test", orgId, role: "owner", productIds: new Set() };
  await db.insert(products).values([
    { id: "prd_shop", orgId, slug: "web-shop", name: "Web shop" },
    { id: "prd_api", orgId, slug: "api", name: "API" },
  ]);
  ops = await startReceiver();
  pager = await startReceiver();
  ids.ops = await insertChannel(db, orgId, { type: "webhook", name: "ops", settings: { url: ops.url } });
  ids.pager = await insertChannel(db, orgId, { type: "webhook", name: "pager", settings: { url: pager.url } });
  await createRule(db, orgId, SYSTEM_ACTOR, {
    name: "Everything",
    product: null,
    products: [],
    eventTypes: "all",
    severities: ["debug", "info", "warning", "error", "critical", "alert"],
    channels: [ids.ops, ids.pager],
    mode: "immediate",
    digestMinutes: null,
    splitByProduct: false,
    enabled: true,
  });
});
afterEach(async () => {
  await ops.close();
  await pager.close();
  await closeTestDb(db);
});

/** The titles of the deployment events a receiver got (platform events, as silence.created, aside). */
const titles = (r: typeof ops) =>
  r.received
    .flatMap((q) => JSON.parse(q.body) as { type: string; title: string }[])
    .filter((e) => e.type === "deployment.failed")
    .map((e) => e.title);

describe("silences", () => {
  it("keep matching events from the channels they cover; the events are stored, marked, and traced", async () => {
    const quiet = await silence({ eventTypes: ["deployment.failed"], products: ["web-shop"], channels: [ids.pager], duration: "2h" });
    const kept = await post({ title: "shop deploy failed" });
    const other = await post({ product: "api", title: "api deploy failed" });
    await deliver();

    expect(titles(ops).sort()).toEqual(["api deploy failed", "shop deploy failed"]);
    expect(titles(pager)).toEqual(["api deploy failed"]);
    expect((await stored(kept.id)).silencedBy).toBe(quiet.id);
    expect((await stored(other.id)).silencedBy).toBeNull();
    expect(kept.deliveries).toBe(1);

    const trace = await traceEvent(db, orgId, kept.id);
    expect(trace.event.silencedBy).toEqual({ id: quiet.id, reason: "maintenance" });
    const channelsOfRule = trace.rules.find((r) => r.rule.name === "Everything")!.channels;
    expect(channelsOfRule.find((c) => c.channel.name === "pager")).toMatchObject({
      outcome: "silenced",
      explanation: expect.stringMatching(/^Silenced: “maintenance” \(until .* UTC\)\.$/),
    });
    expect(channelsOfRule.find((c) => c.channel.name === "ops")?.outcome).toBe("delivery");
    expect(trace.channels.find((c) => c.channel.name === "pager")).toMatchObject({ received: false, why: expect.stringContaining("Silenced") });
    expect((await listSilences(db, orgId)).find((s) => s.id === quiet.id)).toMatchObject({ state: "active", silencedEvents: 1, products: ["web-shop"] });
  });

  it("keep nothing quiet before they start or once expired; expiring twice is a conflict", async () => {
    const now = Date.now();
    const later = await silence({ eventTypes: ["deployment.failed"], startsAt: new Date(now + DAY).toISOString(), duration: "1h" });
    const active = await silence({ severities: ["error"], duration: "1d" });
    const before = await post({ title: "while active" });
    await expireSilence(db, orgId, owner, SYSTEM_ACTOR, active.id);
    const after = await post({ title: "after expiry" });
    await deliver();
    expect((await stored(before.id)).silencedBy).toBe(active.id);
    expect((await stored(after.id)).silencedBy).toBeNull();
    expect(titles(ops)).toEqual(["after expiry"]);
    await expect(expireSilence(db, orgId, owner, SYSTEM_ACTOR, active.id)).rejects.toMatchObject({ code: "conflict" });
    const listed = await listSilences(db, orgId);
    expect(listed.map((s) => [s.id, s.state])).toEqual([
      [later.id, "pending"],
      [active.id, "expired"],
    ]);
    expect(listed[1]).toMatchObject({ expiredBy: SYSTEM_ACTOR.label, silencedEvents: 1 });
    // Still traced as it was: the event that arrived while it was active names it.
    expect((await traceEvent(db, orgId, before.id)).event.silencedBy?.id).toBe(active.id);
  });

  it("a snooze keeps one recurring alert quiet — same type, product and title — and not its neighbours", async () => {
    const first = await post({ title: "Mailbox full: sales@" });
    const snooze = await snoozeEvent(db, orgId, owner, SYSTEM_ACTOR, first.id, { days: 7 });
    expect(snooze).toMatchObject({ eventTypes: ["deployment.failed"], products: ["web-shop"], title: "Mailbox full: sales@", reason: "Snoozed for 7 days" });
    expect(Date.parse(snooze.endsAt) - Date.parse(snooze.startsAt)).toBe(7 * DAY);
    const again = await post({ title: "Mailbox full: sales@" });
    const neighbour = await post({ title: "Mailbox full: billing@" });
    const otherProduct = await post({ title: "Mailbox full: sales@", product: "api" });
    expect((await stored(again.id)).silencedBy).toBe(snooze.id);
    expect((await stored(neighbour.id)).silencedBy).toBeNull();
    expect((await stored(otherProduct.id)).silencedBy).toBeNull();
    // After 7 days it sends again.
    const weekLater = await post({ title: "Mailbox full: sales@" }, Date.now() + 7 * DAY + 60_000);
    expect((await stored(weekLater.id)).silencedBy).toBeNull();
  });

  it("match a data field by its text", async () => {
    const byHost = await silence({
      data: [
        { key: "host", value: "web-3" },
        { key: "port", value: "443" },
      ],
      duration: "1h",
    });
    expect((await stored((await post({ data: { host: "web-3", port: 443 } })).id)).silencedBy).toBe(byHost.id);
    expect((await stored((await post({ data: { host: "web-3" } })).id)).silencedBy).toBeNull();
    expect((await stored((await post({ data: { host: "web-4", port: 443 } })).id)).silencedBy).toBeNull();
  });

  it("are audited and raised as platform events", async () => {
    const made = await silence({ products: ["web-shop"], duration: "4h", reason: "cluster move" });
    await expireSilence(db, orgId, owner, SYSTEM_ACTOR, made.id);
    const audit = await db.select().from(auditEntries).where(eq(auditEntries.orgId, orgId));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["silence.created", "silence.expired"]));
    const platform = await db.select().from(events).where(eq(events.orgId, orgId));
    expect(platform.map((e) => e.type)).toEqual(expect.arrayContaining(["silence.created", "silence.expired"]));
    expect(platform.find((e) => e.type === "silence.created")?.data).toMatchObject({ reason: "cluster move" });
  });

  it("a product admin silences only their products; bad input names the field and saves nothing", async () => {
    const shopAdmin: Principal = { kind: "user", userId: "usr_pa", email: "pa@acme.test", orgId, role: "member", productIds: new Set(["prd_shop"]) };
    const mine = await createSilence(db, orgId, shopAdmin, SYSTEM_ACTOR, silenceSchema.parse({ products: ["web-shop"], duration: "1h", reason: "mine" }));
    expect(mine.products).toEqual(["web-shop"]);
    await expect(
      createSilence(db, orgId, shopAdmin, SYSTEM_ACTOR, silenceSchema.parse({ products: ["api"], duration: "1h", reason: "theirs" })),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      createSilence(db, orgId, shopAdmin, SYSTEM_ACTOR, silenceSchema.parse({ eventTypes: ["deployment.failed"], duration: "1h", reason: "everyone's" })),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(silence({ products: ["nope"], duration: "1h" })).rejects.toMatchObject({
      code: "validation_failed",
      fields: { "products.0": ['unknown product "nope"'] },
    });

    const problems = (input: unknown) => {
      const r = silenceSchema.safeParse(input);
      return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [i.path.join("."), i.message]));
    };
    expect(problems({ duration: "1h", reason: "x" })).toMatchObject({ eventTypes: expect.stringContaining("at least one matcher") });
    expect(problems({ severities: ["error"], reason: "x" })).toMatchObject({ endsAt: "give either endsAt or duration" });
    expect(problems({ severities: ["error"], reason: "x", duration: "400d" })).toMatchObject({ duration: "may last at most 365 days" });
    expect(problems({ severities: ["error"], reason: " ", duration: "1h" })).toMatchObject({ reason: expect.stringContaining("is required") });
    expect(problems({ severities: ["loud"], reason: "x", duration: "1h" })).toMatchObject({ "severities.0": expect.stringContaining("must be one of") });
    expect((await listSilences(db, orgId)).map((s) => s.reason)).toEqual(["mine"]);
  });
});
