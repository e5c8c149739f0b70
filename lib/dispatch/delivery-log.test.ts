import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rowsOf, sqliteOf, type Db } from "@/db/client";
import { writeHistory } from "@/bench/growth";
import { listDeliveries } from "@/lib/dispatch/delivery-log";
import { insertChannel } from "@/lib/dispatch/test-support";
import { deliveryFiltersSchema } from "@/lib/validation/deliveries";
import { closeTestDb, onPostgres, seedOrg, testDb } from "@/test/db";

// Issue #18: the delivery log's filters stay fast over a long history. A history written by
// the growth benchmark's SQL (3 deliveries per event, 1 in 1,000 failed, 1 in 10,000 dead).
const HISTORY = 30_000;

let db: Db;
let orgId: string;
let channelIds: string[];

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  channelIds = [];
  for (let i = 0; i < 3; i++)
    channelIds.push(await insertChannel(db, orgId, { type: "webhook", name: `hook ${i}`, settings: { url: "https://example.com/hook" } }));
  await writeHistory(db, orgId, channelIds, HISTORY);
});

afterEach(async () => {
  await closeTestDb(db);
});

const page = (filters: Record<string, string>) => listDeliveries(db, orgId, deliveryFiltersSchema.parse(filters));

/**
 * SQLite: the query plans of the statements `run` prepares that read deliveries in the log's
 * order. SQLite has no statistics here (Herald never runs ANALYZE), as on a real install.
 */
async function sqlitePlans(run: () => Promise<unknown>): Promise<string[]> {
  const sqlite = sqliteOf(db);
  const prepare = sqlite.prepare.bind(sqlite);
  const seen: string[] = [];
  sqlite.prepare = ((text: string) => {
    seen.push(text);
    return prepare(text);
  }) as typeof sqlite.prepare;
  try {
    await run();
  } finally {
    sqlite.prepare = prepare;
  }
  return seen
    .filter((text) => /order by "deliveries"\."created_at" desc/i.test(text))
    .map((text) => {
      const params = Array((text.match(/\?/g) ?? []).length).fill(null);
      return (prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[]).map((r) => r.detail).join("; ");
    });
}

describe("delivery log over a long history", () => {
  it("filtered by an old event, it finds that event's deliveries from the event, not by walking the org's history", async () => {
    const [old] = await rowsOf<{ event_id: string }>(db, sql`SELECT event_id FROM delivery_events ORDER BY event_id LIMIT 1 OFFSET 3000`);
    const { deliveries, nextCursor } = await page({ event: old.event_id });
    expect(deliveries).toHaveLength(3);
    expect(deliveries.every((d) => d.eventIds.includes(old.event_id))).toBe(true);
    expect(new Set(deliveries.map((d) => d.channelId))).toEqual(new Set(channelIds));
    expect(nextCursor).toBeNull();
    if (!onPostgres()) {
      const [plan] = await sqlitePlans(() => page({ event: old.event_id }));
      expect(plan).toContain("delivery_events_event_idx");
      expect(plan).not.toContain("deliveries_org_time_idx");
    }
  });

  it("filtered by a rare status, it reads that status's deliveries only, newest first, and pages through them", async () => {
    const first = await page({ status: "failed", limit: "20" });
    expect(first.deliveries).toHaveLength(20);
    expect(first.deliveries.every((d) => d.status === "failed")).toBe(true);
    const times = first.deliveries.map((d) => d.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    const rest = await page({ status: "failed", limit: "200", cursor: first.nextCursor! });
    // 30 of 30,000 end failed (every 1,000th, less the one that is every 10,000th and dead).
    expect(first.deliveries.length + rest.deliveries.length).toBe(27);
    expect(rest.deliveries.every((d) => d.status === "failed")).toBe(true);
    if (!onPostgres()) {
      const [plan] = await sqlitePlans(() => page({ status: "failed" }));
      expect(plan).toContain("deliveries_finished_idx");
    }
  });
});
