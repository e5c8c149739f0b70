import fs from "node:fs";
import os from "node:os";
import { posterThrough } from "@/lib/net/post";
import path from "node:path";
import { eq, inArray } from "drizzle-orm";
import { MockAgent } from "undici";
import { closeDb, openSqlite, type Db } from "@/db/client";
import { attempts, deliveries, events } from "@/db/schema";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { DeliveryDispatcher } from "@/lib/dispatch/dispatcher";
import { insertChannel, queueMany, startReceiver, waitFor, type ReceivedRequest, type Reply } from "@/lib/dispatch/test-support";
import { seedOrg } from "@/test/db";
import { tempDirs } from "./herald";

/**
 * Issue #17 items 1 and 6, black-box figures: hostile receivers that rate-limit
 * (a Retry-After: 1 flood, a 20/s token bucket) and a Slack channel shared by
 * three dispatchers on one database. The dispatchers run in this process
 * (DeliveryDispatcher, as the worker runs it) on a SQLite file; the receivers
 * are real HTTP servers on loopback (Slack: an undici MockAgent, its URLs must
 * be hooks.slack.com). docs/reliability.md quotes the figures.
 */

type Figures = Record<string, unknown>;
const SCHEDULE = [1, 2, 4, 8, 16, 32]; // 63 s in all: longer than the flood, so nothing may die of it

async function freshDb(): Promise<{ db: Db; orgId: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-hardening-backpressure-"));
  tempDirs.push(dir);
  const db = openSqlite(path.join(dir, "herald.db"));
  return { db, orgId: (await seedOrg(db, "bp")).org.id };
}

function maxInWindow(times: number[], ms: number) {
  const t = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j] - t[i] >= ms) i++;
    max = Math.max(max, j - i + 1);
  }
  return max;
}

/** Runs dispatchers until every delivery is final; returns the figures every scenario reports. */
async function drain(db: Db, workers: DeliveryDispatcher[], ids: string[], ceilingMs: number) {
  for (const w of workers) w.start();
  try {
    await waitFor(
      async () => {
        const open = await db
          .select({ id: deliveries.id })
          .from(deliveries)
          .where(inArray(deliveries.status, ["queued", "sending"]));
        return open.length === 0;
      },
      ceilingMs,
      "every delivery final",
    );
  } finally {
    for (const w of workers) await w.stop();
  }
  const rows = await db.select({ status: deliveries.status, attemptCount: deliveries.attemptCount }).from(deliveries).where(inArray(deliveries.id, ids));
  const logged = await db.select({ outcome: attempts.outcome, at: attempts.at, durationMs: attempts.durationMs }).from(attempts);
  // When Herald first heard "slow down" (a throttled answer came back), and the sends it started from then on:
  // what its pacing decides. Sends already in flight then (the opening burst) do not count, however late a loaded
  // machine gets them to the receiver.
  const throttledAnswers = logged.filter((a) => a.outcome === "throttled").map((a) => a.at.getTime() + a.durationMs);
  const firstThrottleHeardAt = throttledAnswers.length ? Math.min(...throttledAnswers) : Infinity;
  const sendsAfterFirstThrottle = logged.map((a) => a.at.getTime()).filter((t) => t > firstThrottleHeardAt);
  return {
    sendsAfterFirstThrottle,
    deliveries: ids.length,
    dead: rows.filter((r) => r.status === "dead").length,
    attemptsSpent: rows.reduce((n, r) => n + r.attemptCount, 0),
    attemptsLogged: logged.length,
    throttledLogged: logged.filter((a) => a.outcome === "throttled").length,
    healthFlaps: (await db.select().from(events).where(eq(events.type, "integration.unhealthy"))).length,
  };
}

async function webhookScenario(reply: (req: ReceivedRequest, n: number) => Reply, count: number, ceilingMs: number) {
  const { db, orgId } = await freshDb();
  const accepted = new Set<string>();
  const receiver = await startReceiver((req, n) => {
    const answer = reply(req, n);
    if (answer !== "hang" && answer.status < 300) accepted.add(String(req.headers["webhook-id"]));
    return answer;
  });
  try {
    const channelId = await insertChannel(db, orgId, {
      type: "webhook",
      settings: { url: receiver.url, format: "event", authMethod: "none" },
      secrets: { signingSecret: generateSigningSecret() },
    });
    const ids = await queueMany(db, count, { orgId, channelId });
    const started = Date.now();
    const figures = await drain(db, [new DeliveryDispatcher({ db, retrySchedule: SCHEDULE, pollMs: 200 })], ids, ceilingMs);
    return {
      ...figures,
      lost: ids.filter((id) => !accepted.has(id)).length,
      requests: receiver.received.length,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      received: receiver.received,
    };
  } finally {
    await receiver.close();
    await closeDb(db);
  }
}

export async function backpressureRun(options: { quick: boolean }): Promise<{ figures: Figures; failures: string[] }> {
  const failures: string[] = [];
  const floodSeconds = options.quick ? 10 : 46;
  const floodCount = options.quick ? 300 : 1_200;

  // 1. 429 Retry-After: 1 for the whole flood, then 200.
  let floodUntil = 0;
  const flood = await webhookScenario(
    (req) => {
      if (!floodUntil) floodUntil = req.at + floodSeconds * 1000;
      return req.at < floodUntil ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 };
    },
    floodCount,
    (floodSeconds + 120) * 1000,
  );
  const { received: _floodReceived, sendsAfterFirstThrottle: floodSends, ...floodFigures } = flood;
  // Sends Herald started during the flood once it had heard the first 429 (by its attempt log).
  const floodPerSecond = maxInWindow(
    floodSends.filter((t) => t < floodUntil),
    1_000,
  );
  const retryAfterFlood = { floodSeconds, ...floodFigures, maxRequestsPerSecondDuringFlood: floodPerSecond };

  // 2. A receiver limited to 20/s (token bucket of 20), 429 Retry-After: 1 beyond it, and a burst of 500.
  const RATE = 20;
  let tokens = RATE;
  let refilledAt = 0;
  const bucket = await webhookScenario(
    (req) => {
      if (!refilledAt) refilledAt = req.at;
      tokens = Math.min(RATE, tokens + ((req.at - refilledAt) * RATE) / 1000);
      refilledAt = req.at;
      if (tokens < 1) return { status: 429, headers: { "retry-after": "1" } };
      tokens -= 1;
      return { status: 200 };
    },
    500,
    300_000,
  );
  const { received: _bucketReceived, sendsAfterFirstThrottle: bucketSends, ...bucketFigures } = bucket;
  // After the opening burst: the sends Herald started once it had heard the first "slow down".
  const rateLimit20 = { ...bucketFigures, maxRequestsPerSecondAfterOpeningBurst: maxInWindow(bucketSends, 1_000) };

  // 3. Three dispatchers, one Slack channel (1 message/s promised), and a 429 Retry-After: 4 from it midway.
  const { db, orgId } = await freshDb();
  const agent = new MockAgent();
  agent.disableNetConnect();
  const slackSent: number[] = [];
  let throttledAt = 0;
  agent
    .get("https://hooks.slack.com")
    .intercept({ path: () => true, method: "POST" })
    .reply(() => {
      slackSent.push(Date.now());
      if (slackSent.length === 4) {
        throttledAt = Date.now();
        return { statusCode: 429, data: "rate limited", responseOptions: { headers: { "retry-after": "4" } } };
      }
      return { statusCode: 200, data: "ok" };
    })
    .persist();
  // One connection for the three: in one thread, a second SQLite connection's BEGIN IMMEDIATE would sleep in
  // SQLite's busy handler while the first's transaction awaits on this same thread ("database is locked").
  // Separate worker processes each have their own; the shared pace lives in the channel row either way.
  const handles = [db, db, db];
  try {
    const channelId = await insertChannel(db, orgId, { type: "slack", secrets: { url: "https://hooks.slack.com/services/T0/B0/bp" } });
    const count = options.quick ? 10 : 20;
    const ids = await queueMany(db, count, { orgId, channelId });
    const workers = handles.map(
      (h, i) =>
        new DeliveryDispatcher({
          db: h,
          owner: `worker-${i}`,
          poster: posterThrough(agent),
          batchSize: 2,
          concurrency: 1,
          retrySchedule: SCHEDULE,
          pollMs: 200,
        }),
    );
    const { sendsAfterFirstThrottle: _slackSends, ...figures } = await drain(db, workers, ids, 120_000);
    const slack = {
      ...figures,
      workers: 3,
      requests: slackSent.length,
      // Slots are 1 s apart; 0.2 s of slack for scheduling on a loaded machine (CI).
      maxMessagesIn800ms: maxInWindow(slackSent, 800),
      sentDuringTheRetryAfter4Hold: slackSent.filter((t) => t > throttledAt && t < throttledAt + 4_000 - 100).length,
      perWorker: workers.map((w) => w.counts.delivered),
    };
    const figuresAll = { retryAfterFlood, rateLimit20, slack };

    for (const [name, f] of Object.entries({ retryAfterFlood, rateLimit20 })) {
      if (f.dead) failures.push(`${name}: ${f.dead} deliveries dead`);
      if (f.lost) failures.push(`${name}: ${f.lost} deliveries never accepted by the receiver`);
      if (f.attemptsSpent !== f.deliveries)
        failures.push(`${name}: ${f.attemptsSpent} attempts spent for ${f.deliveries} deliveries (throttles must spend none)`);
      if (f.healthFlaps) failures.push(`${name}: ${f.healthFlaps} integration.unhealthy events`);
    }
    if (floodPerSecond > 3) failures.push(`retryAfterFlood: ${floodPerSecond} requests in one second during the flood (asked: one per second)`);
    if (rateLimit20.maxRequestsPerSecondAfterOpeningBurst > 2 * RATE * 1.25)
      failures.push(`rateLimit20: ${rateLimit20.maxRequestsPerSecondAfterOpeningBurst} requests in one second at a 20/s receiver`);
    if (slack.maxMessagesIn800ms > 1) failures.push(`slack: ${slack.maxMessagesIn800ms} messages within 0.8 s across 3 workers`);
    if (slack.sentDuringTheRetryAfter4Hold) failures.push(`slack: ${slack.sentDuringTheRetryAfter4Hold} messages during a 4 s Retry-After hold`);
    if (slack.dead || slack.requests !== count + 1) failures.push(`slack: ${slack.dead} dead, ${slack.requests} requests for ${count} messages (+1 throttled)`);
    return { figures: figuresAll, failures };
  } finally {
    await agent.close();
    await closeDb(db);
  }
}
