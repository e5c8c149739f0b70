import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels, deliveries, products } from "@/db/schema";
import type { QuietHours } from "@/db/schema/values";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { dispatchOnce } from "@/lib/dispatch/run";
import { insertChannel, startReceiver } from "@/lib/dispatch/test-support";
import { ingestEvents } from "@/lib/events/ingest";
import { createRule } from "@/lib/rules/queries";
import { traceEvent } from "@/lib/rules/trace";
import { quietHoursSchema } from "@/lib/validation/channel-fields";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { heldForQuietHours, quietUntil } from "./quiet-hours";

/**
 * Quiet hours (issue #24 item 3): the working-hours arithmetic in real time
 * zones (a weekend, an evening, a DST change), and ingest + dispatch on the
 * test's engine with a real loopback receiver: outside working hours, events
 * below the channel's threshold wait in one digest sent when they begin.
 */
process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_LOG_LEVEL = "silent";

const at = (iso: string) => Date.parse(iso);
const PARIS_OFFICE: QuietHours = { timezone: "Europe/Paris", days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00", minSeverity: "error" };

describe("quietUntil", () => {
  it("is null inside working hours, else the next opening in the channel's time zone", () => {
    // Monday 7 December 2026, Paris is UTC+1.
    expect(quietUntil(PARIS_OFFICE, at("2026-12-07T09:00:00Z"))).toBeNull(); // 10:00 in Paris
    expect(quietUntil(PARIS_OFFICE, at("2026-12-07T07:59:00Z"))).toBe(at("2026-12-07T08:00:00Z")); // 08:59: opens at 09:00
    expect(quietUntil(PARIS_OFFICE, at("2026-12-07T17:00:00Z"))).toBe(at("2026-12-08T08:00:00Z")); // 18:00: end excluded
    expect(quietUntil(PARIS_OFFICE, at("2026-12-05T12:00:00Z"))).toBe(at("2026-12-07T08:00:00Z")); // Saturday: Monday
    expect(quietUntil(PARIS_OFFICE, at("2026-12-04T22:30:00Z"))).toBe(at("2026-12-07T08:00:00Z")); // Friday 23:30: Monday
  });

  it("follows a daylight-saving change (New York, 8 March 2026)", () => {
    const everyDay: QuietHours = { timezone: "America/New_York", days: [0, 1, 2, 3, 4, 5, 6], start: "09:00", end: "17:00", minSeverity: "critical" };
    // Saturday 20:00 EST; Sunday opens at 09:00 EDT (UTC-4).
    expect(quietUntil(everyDay, at("2026-03-08T01:00:00Z"))).toBe(at("2026-03-08T13:00:00Z"));
    // Saturday 08:00 EST (UTC-5).
    expect(quietUntil(everyDay, at("2026-03-07T12:00:00Z"))).toBe(at("2026-03-07T14:00:00Z"));
  });

  it("lets the threshold and above through at any time", () => {
    const saturday = at("2026-12-05T12:00:00Z");
    expect(heldForQuietHours(PARIS_OFFICE, "error", saturday)).toBeNull();
    expect(heldForQuietHours(PARIS_OFFICE, "alert", saturday)).toBeNull();
    expect(heldForQuietHours(PARIS_OFFICE, "warning", saturday)).toBe(at("2026-12-07T08:00:00Z"));
  });

  it("validation names the field: an unknown zone, no working day, an end before the start", () => {
    const result = quietHoursSchema.safeParse({ timezone: "Mars/Olympus", days: [], start: "18:00", end: "9:00", minSeverity: "loud" });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        "timezone: must be an IANA time zone, e.g. Europe/Paris or UTC",
        "days: name at least one working day",
        "end: must be a time as HH:MM (00:00 to 23:59)",
        expect.stringMatching(/^minSeverity: must be one of debug/),
      ]),
    );
    const backwards = quietHoursSchema.safeParse({ timezone: "UTC", days: [1], start: "18:00", end: "09:00", minSeverity: "error" });
    expect(backwards.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(["end: must be after the start (working hours within one day)"]);
  });
});

describe("quiet hours through ingest and dispatch", () => {
  let db: Db;
  let orgId: string;
  let ops: Awaited<ReturnType<typeof startReceiver>>;
  let channelId: string;
  // Saturday 28 November 2026, noon UTC: the office (Mon–Fri 09–17 UTC) opens on Monday the 30th at 09:00.
  const SATURDAY = at("2026-11-28T12:00:00Z");
  const MONDAY_OPENING = at("2026-11-30T09:00:00Z");

  beforeEach(async () => {
    db = await testDb();
    orgId = (await seedOrg(db, "acme")).org.id;
    await db.insert(products).values({ id: "prd_shop", orgId, slug: "web-shop", name: "Web shop" });
    ops = await startReceiver();
    channelId = await insertChannel(db, orgId, { type: "webhook", name: "ops", settings: { url: ops.url, format: "array" } });
    await db
      .update(channels)
      .set({ quietHours: { timezone: "UTC", days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", minSeverity: "error" } })
      .where(eq(channels.id, channelId));
    await createRule(db, orgId, SYSTEM_ACTOR, {
      name: "Deployments",
      product: null,
      products: [],
      eventTypes: ["deployment.failed"],
      severities: ["debug", "info", "warning", "error", "critical", "alert"],
      channels: [channelId],
      mode: "immediate",
      digestMinutes: null,
      splitByProduct: false,
      enabled: true,
    });
  });
  afterEach(async () => {
    await ops.close();
    await closeTestDb(db);
  });

  const post = (titles: string[], severity: "warning" | "error", now: number) =>
    ingestEvents(
      db,
      orgId,
      titles.map((title) => ({ type: "deployment.failed", product: "web-shop", severity, title })),
      { indexed: true, now },
    );

  it("outside working hours, warnings wait in one digest due at the opening; errors go at once; the trace says why", async () => {
    const [waiting] = await post(["disk 81%", "disk 84%"], "warning", SATURDAY);
    await post(["disk 86%"], "warning", SATURDAY + 3_600_000);
    await post(["site down"], "error", SATURDAY);

    const rows = await db.select().from(deliveries).where(eq(deliveries.channelId, channelId));
    const held = rows.filter((d) => d.digestKey !== null);
    expect(held).toHaveLength(1);
    expect(held[0].nextAttemptAt.getTime()).toBe(MONDAY_OPENING);
    expect(rows.filter((d) => d.digestKey === null)).toHaveLength(1);
    const trace = await traceEvent(db, orgId, waiting.id);
    expect(trace.channels.find((c) => c.channel.id === channelId)?.why).toContain(
      "Quiet hours: waits for the channel's working hours; it goes out at 2026-11-30 09:00:00 UTC",
    );

    await dispatchOnce(db, { deadlineMs: 20_000 });
    const sent = ops.received.map((r) => (JSON.parse(r.body) as { title: string }[]).map((e) => e.title).sort());
    expect(sent).toEqual(expect.arrayContaining([["site down"], ["disk 81%", "disk 84%", "disk 86%"]]));
    expect(sent).toHaveLength(2);
  });

  it("inside working hours everything goes at once", async () => {
    await post(["disk 81%"], "warning", MONDAY_OPENING + 60_000);
    const rows = await db.select().from(deliveries).where(eq(deliveries.channelId, channelId));
    expect(rows.map((d) => d.digestKey)).toEqual([null]);
  });
});
