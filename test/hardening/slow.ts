import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { closeDb, openSqlite } from "@/db/client";
import { ingestEvents } from "@/lib/events/ingest";
import { ATTEMPT_TIMEOUT_MS } from "@/lib/dispatch/policy";
import { stopChild } from "@/bench/lib/processes";
import { createSandbox, EVENT_TYPE, withDatabase } from "./herald";
import { startWorker } from "./recovery";

/**
 * `--only slow` (issue #17 item 2): a receiver that answers every request in
 * 10 s — slow, but within the default 15-s limit — while 24 events a second
 * arrive, each one webhook delivery: about 240 requests open at the receiver.
 * `herald worker` from the sources (its sending thread, the guarded agent, as
 * in production). Before: the limit ran from the dispatch, 64 connections
 * served 256 sends in flight, so requests waiting for a connection were
 * recorded as timed out while the receiver answered them, and their retries
 * reached it again. Promised: no timeout recorded (every one would be false),
 * no delivery seen twice, none lost.
 */

const RECEIVER_MS = 10_000;
const EVENTS_PER_SECOND = 24;

/** Answers 200 `delayMs` after reading each request; counts each `webhook-id` and the most requests open at once. */
async function slowReceiver(delayMs: number) {
  const seen = new Map<string, number>();
  const arrived = new Set<string>();
  const state = { open: 0, maxOpen: 0, requests: 0, lastAnswerAt: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      state.requests++;
      state.open++;
      state.maxOpen = Math.max(state.maxOpen, state.open);
      const id = String(req.headers["webhook-id"] ?? "");
      seen.set(id, (seen.get(id) ?? 0) + 1);
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: string }[] | { id?: string };
        for (const e of Array.isArray(body) ? body : [body]) if (e?.id) arrived.add(e.id);
      } catch {
        // not a Herald body
      }
      setTimeout(() => {
        state.open--;
        state.lastAnswerAt = Date.now();
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok");
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 15_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    seen,
    arrived,
    state,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function slowReceiverRun(options: { eventSeconds: number }, logDir: string) {
  const failures: string[] = [];
  const receiver = await slowReceiver(RECEIVER_MS);
  // Fast retries: a false timeout would reach the receiver again within the run.
  const sandbox = await createSandbox("slow", { hookUrl: receiver.url, retrySchedule: "1,1,2,2,5" });
  const db = openSqlite(sandbox.databasePath, { migrate: false });
  const orgId = withDatabase(sandbox, (sqlite) => (sqlite.prepare("SELECT id FROM orgs WHERE slug = ?").get(sandbox.org) as { id: string }).id);
  const worker = startWorker(sandbox, path.join(logDir, "slow-worker.log"));
  try {
    const ids: string[] = [];
    const started = Date.now();
    const total = options.eventSeconds * EVENTS_PER_SECOND;
    // Open loop: event n is due at n / 24 s, whatever the receiver does.
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / EVENTS_PER_SECOND;
      if (due > Date.now()) await sleep(due - Date.now());
      const [result] = await ingestEvents(db, orgId, [{ type: EVENT_TYPE, severity: "warning", title: `Slow ${n}` }], { indexed: false });
      ids.push(result.id);
    }
    const ingestedAt = Date.now();
    // Every delivery final in the database (its answer recorded), or the ceiling.
    const ceilingMs = 180_000;
    const open = () =>
      withDatabase(
        sandbox,
        (sqlite) => (sqlite.prepare("SELECT count(*) AS n FROM deliveries WHERE status IN ('queued', 'sending')").get() as { n: number }).n,
      );
    while (open() > 0 && Date.now() - ingestedAt < ceilingMs) await sleep(500);
    const stillOpen = open();
    const counts = withDatabase(sandbox, (sqlite) => {
      // The receiver's channel only: the org's health events go to its inbox as well.
      const n = (query: string) => (sqlite.prepare(query).get(sandbox.webhookChannelId) as { n: number | null }).n;
      return {
        attempts: n("SELECT count(*) AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.channel_id = ?") ?? 0,
        timedOut:
          n("SELECT count(*) AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.channel_id = ? AND a.error LIKE '%timed out%'") ?? 0,
        delivered: n("SELECT count(*) AS n FROM deliveries WHERE channel_id = ? AND status = 'delivered'") ?? 0,
        longestAttemptMs: n("SELECT max(a.duration_ms) AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.channel_id = ?"),
        health: (sqlite.prepare("SELECT health FROM channels WHERE id = ?").get(sandbox.webhookChannelId) as { health: string }).health,
        unhealthyEvents: (sqlite.prepare("SELECT count(*) AS n FROM events WHERE type = 'integration.unhealthy'").get() as { n: number }).n,
      };
    });
    const duplicates = [...receiver.seen.values()].reduce((n, times) => n + times - 1, 0);
    const lost = ids.filter((id) => !receiver.arrived.has(id)).length;
    const figures = {
      receiverAnswersInSeconds: RECEIVER_MS / 1000,
      timeoutSeconds: ATTEMPT_TIMEOUT_MS / 1000,
      eventsPerSecond: EVENTS_PER_SECOND,
      eventSeconds: options.eventSeconds,
      events: ids.length,
      deliveries: ids.length,
      delivered: counts.delivered,
      attempts: counts.attempts,
      falseTimeouts: counts.timedOut,
      requestsAtReceiver: receiver.state.requests,
      duplicates,
      lost,
      maxOpenAtReceiver: receiver.state.maxOpen,
      channelHealthAtTheEnd: counts.health,
      unhealthyEvents: counts.unhealthyEvents,
      longestAttemptSeconds: counts.longestAttemptMs === null ? null : Math.round(counts.longestAttemptMs / 100) / 10,
      lastAnswerSecondsAfterTheLastEvent: Math.round((receiver.state.lastAnswerAt - ingestedAt) / 100) / 10,
    };
    if (stillOpen) failures.push(`${stillOpen} deliveries still queued or sending ${ceilingMs / 1000} s after the last event`);
    if (counts.timedOut)
      failures.push(
        `${counts.timedOut} attempts recorded as timed out (the receiver answers every request in ${RECEIVER_MS / 1000} s, the limit is ${ATTEMPT_TIMEOUT_MS / 1000} s)`,
      );
    if (duplicates) failures.push(`${duplicates} requests reached the receiver a second time`);
    if (lost) failures.push(`${lost} events never reached the receiver`);
    if (counts.unhealthyEvents) failures.push(`${counts.unhealthyEvents} integration.unhealthy events: a slow receiver is not a failing one`);
    if (counts.attempts !== ids.length) failures.push(`${counts.attempts} attempts for ${ids.length} deliveries (one each expected)`);
    return { figures, failures };
  } finally {
    await stopChild(worker, "SIGTERM", 5000);
    await closeDb(db);
    await receiver.close();
  }
}
