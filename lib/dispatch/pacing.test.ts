import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MockAgent } from "undici";
import { posterThrough } from "@/lib/net/post";
import { closeDb, type Db } from "@/db/client";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { dispatchOnce } from "./run";
import { insertChannel, queueMany, secondHandle, waitFor } from "./test-support";

/**
 * Pacing is measured where requests leave Herald: an undici MockAgent stands
 * in for hooks.slack.com / discord.com / Teams (the only receivers outside
 * this machine) and notes when each request arrives. The production URL
 * rules stay as they are.
 */

process.env.HERALD_RETRY_SCHEDULE = "1,1";

let db: Db;
let orgId: string;
let agent: MockAgent;

type Sent = { origin: string; path: string; at: number; body: string };
let sent: Sent[];

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  sent = [];
  agent = new MockAgent();
  agent.disableNetConnect();
});

afterEach(async () => {
  await agent.close();
  await closeTestDb(db);
});

function answer(origin: string, headers: (n: number) => Record<string, string> = () => ({})) {
  let n = 0;
  agent
    .get(origin)
    .intercept({ path: () => true, method: "POST" })
    .reply((opts) => {
      sent.push({ origin, path: opts.path, at: Date.now(), body: String(opts.body) });
      return { statusCode: 200, data: "ok", responseOptions: { headers: headers(n++) } };
    })
    .persist();
}

const gaps = (list: Sent[]) => list.slice(1).map((s, i) => s.at - list[i].at);

/**
 * Pacing spaces the sends' starts; a request is seen here a moment later (its
 * body built, signed, handed over), and on a loaded machine one such moment
 * can be longer than the next one's, so a gap seen here may fall short of the
 * pace by that much (CI: 388 ms against a 400 ms pace). The bounds allow it.
 */
const JITTER_MS = 100;
const atLeast = (paceMs: number) => paceMs - JITTER_MS;

describe("per-channel pacing", () => {
  it("10 deliveries to one Slack channel leave at least ~1 s apart, in order", async () => {
    answer("https://hooks.slack.com");
    const channelId = await insertChannel(db, orgId, { type: "slack", secrets: { url: "https://hooks.slack.com/services/T0/B0/x" } });
    await queueMany(db, 10, { orgId, channelId });

    const counts = await dispatchOnce(db, { deadlineMs: 30_000, poster: posterThrough(agent) });

    expect(counts.delivered).toBe(10);
    expect(sent).toHaveLength(10);
    for (const gap of gaps(sent)) expect(gap).toBeGreaterThanOrEqual(atLeast(1_000));
    expect(sent.map((s) => (JSON.parse(s.body) as { text: string }).text)).toEqual(Array.from({ length: 10 }, (_, i) => `[ERROR] Event ${i}`));
  }, 60_000);

  it("two Slack channels are paced separately and sent side by side", async () => {
    answer("https://hooks.slack.com");
    const a = await insertChannel(db, orgId, { type: "slack", secrets: { url: "https://hooks.slack.com/services/T0/B0/a" } });
    const b = await insertChannel(db, orgId, { type: "slack", secrets: { url: "https://hooks.slack.com/services/T0/B0/b" } });
    await queueMany(db, 3, { orgId, channelId: a });
    await queueMany(db, 3, { orgId, channelId: b });

    await dispatchOnce(db, { deadlineMs: 30_000, poster: posterThrough(agent) });

    const ofA = sent.filter((s) => s.path.endsWith("/a"));
    const ofB = sent.filter((s) => s.path.endsWith("/b"));
    expect([ofA.length, ofB.length]).toEqual([3, 3]);
    // Each channel's first message goes before either channel's second: concurrency across channels.
    expect(Math.max(ofA[0].at, ofB[0].at)).toBeLessThan(Math.min(ofA[1].at, ofB[1].at));
    for (const gap of [...gaps(ofA), ...gaps(ofB)]) expect(gap).toBeGreaterThanOrEqual(atLeast(1_000));
  }, 60_000);

  it("Teams: at most 4 messages a second", async () => {
    answer("https://example.webhook.office.com");
    const channelId = await insertChannel(db, orgId, { type: "teams", secrets: { url: "https://example.webhook.office.com/webhookb2/x" } });
    await queueMany(db, 6, { orgId, channelId });
    await dispatchOnce(db, { deadlineMs: 30_000, poster: posterThrough(agent) });
    expect(sent).toHaveLength(6);
    for (const gap of gaps(sent)) expect(gap).toBeGreaterThanOrEqual(atLeast(250));
  });

  it("Discord: a spent X-RateLimit budget holds the channel for X-RateLimit-Reset-After", async () => {
    // Budget of 3 per window: after the 3rd request Discord says 0 left, reset in 1.5 s.
    answer("https://discord.com", (n) => ({ "x-ratelimit-remaining": String(Math.max(0, 2 - n)), "x-ratelimit-reset-after": "1.5" }));
    const channelId = await insertChannel(db, orgId, { type: "discord", secrets: { url: "https://discord.com/api/webhooks/1/tok" } });
    await queueMany(db, 4, { orgId, channelId });
    await dispatchOnce(db, { deadlineMs: 30_000, poster: posterThrough(agent) });
    expect(sent).toHaveLength(4);
    const [g1, g2, g3] = gaps(sent);
    expect(g1).toBeGreaterThanOrEqual(atLeast(400));
    expect(g2).toBeGreaterThanOrEqual(atLeast(400));
    expect(g3).toBeGreaterThanOrEqual(atLeast(1_500));
  });

  it("a paced backlog longer than the lease keeps its leases: a second worker takes nothing, nothing is released or sent twice", async () => {
    answer("https://example.webhook.office.com");
    const channelId = await insertChannel(db, orgId, { type: "teams", secrets: { url: "https://example.webhook.office.com/webhookb2/x" } });
    await queueMany(db, 36, { orgId, channelId });
    // 36 messages at ≤ 4/s take ~9 s; the lease is 6.5 s (the shortest a 0.5 s attempt allows), renewed every ~2 s.
    const first = dispatchOnce(db, { deadlineMs: 45_000, poster: posterThrough(agent), timeoutMs: 500, leaseMs: 1 });
    // 28 sent at ≤ 4/s: at least 6.75 s since the claim, past the first lease, with 8 still held.
    await waitFor(() => sent.length >= 28, 40_000, "28 messages sent");
    const other = secondHandle(db);
    const second = await dispatchOnce(other, { deadlineMs: 1_000, poster: posterThrough(agent), timeoutMs: 500, leaseMs: 1 });
    const counts = await first;
    await closeDb(other);

    expect(second.claimed).toBe(0);
    expect(counts).toMatchObject({ claimed: 36, delivered: 36, released: 0 });
    const titles = sent.map((s) => JSON.stringify(JSON.parse(s.body)).match(/Event \d+/)![0]);
    expect(titles).toHaveLength(36);
    expect(new Set(titles).size).toBe(36);
  }, 60_000);
});
