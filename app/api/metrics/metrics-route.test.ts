import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { dispatchOnce } from "@/lib/dispatch/run";
import { insertChannel, queueMany, startReceiver } from "@/lib/dispatch/test-support";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as dispatchRoute from "../dispatch/route";
import * as metricsRoute from "./route";

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_RETRY_SCHEDULE = "60";
delete process.env.HERALD_DISPATCH_TOKEN;

let db: Db;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeEach(async () => {
  db = await testDb();
  receiver = await startReceiver((_req, n) => ({ status: n < 3 ? 500 : 200 }));
});

afterEach(async () => {
  await receiver.close();
  await closeTestDb(db);
});

async function scrape(): Promise<{ status: number; type: string | null; text: string }> {
  const res = await metricsRoute.GET(new Request("http://127.0.0.1/api/metrics"), { params: Promise.resolve({}) });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

describe("without HERALD_DISPATCH_TOKEN", () => {
  it("POST /api/dispatch does not exist (404)", async () => {
    const res = await dispatchRoute.POST(
      new Request("http://127.0.0.1/api/dispatch", { method: "POST", headers: { authorization: "Bearer anything-at-all-123" } }),
      {
        params: Promise.resolve({}),
      },
    );
    expect(res.status).toBe(404);
  });

  it("GET /api/metrics is open and reports queue depth, deliveries and attempts by outcome and type, and latency", async () => {
    const orgId = (await seedOrg(db, "acme")).org.id;
    const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: receiver.url }, secrets: { signingSecret: generateSigningSecret() } });
    await queueMany(db, 10, { orgId, channelId });
    await dispatchOnce(db, { deadlineMs: 20_000, concurrency: 1 });

    const { status, type, text } = await scrape();
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('herald_queue_depth{status="queued"} 3');
    expect(text).toContain('herald_queue_depth{status="sending"} 0');
    // The 3 failed ones wait a minute for their retry: none is due now.
    expect(text).toContain("herald_queue_due 0\n");
    expect(text).toContain("herald_storage_healthy 1\n");
    expect(text).toContain('herald_deliveries{status="delivered",channel_type="webhook"} 7');
    expect(text).toContain('herald_attempts_total{outcome="retry",channel_type="webhook"} 3');
    expect(text).toContain('herald_attempts_total{outcome="delivered",channel_type="webhook"} 7');
    expect(text).toContain('herald_attempt_duration_seconds_bucket{channel_type="webhook",le="+Inf"} 10');
    expect(text).toContain('herald_attempt_duration_seconds_count{channel_type="webhook"} 10');
    expect(text).toContain('herald_channels{health="healthy"} 1');
    expect(text).toMatch(/# TYPE herald_attempt_duration_seconds histogram/);
    // No secrets or receiver URLs in what any scraper can read.
    expect(text).not.toContain("127.0.0.1");

    // The next scrape adds the attempts made since (the counters read only those).
    await queueMany(db, 5, { orgId, channelId });
    await dispatchOnce(db, { deadlineMs: 20_000, concurrency: 1 });
    const next = (await scrape()).text;
    expect(next).toContain('herald_attempts_total{outcome="retry",channel_type="webhook"} 3');
    expect(next).toContain('herald_attempts_total{outcome="delivered",channel_type="webhook"} 12');
    expect(next).toContain('herald_attempt_duration_seconds_count{channel_type="webhook"} 15');
    expect(next).toContain('herald_attempt_duration_seconds_bucket{channel_type="webhook",le="15"} 15');
  });
});
