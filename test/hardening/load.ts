import path from "node:path";
import autocannon from "autocannon";
import { newId } from "@/lib/ids";
import { memoryOf, processTree, sampleMemory } from "@/bench/lib/processes";
import { createSandbox, EVENT_TYPE, signIn, startServer, stopServer, withDatabase, type Sandbox, type Server } from "./herald";
import type { Receiver } from "./peers";
import type { Outcome } from "./faults";

/**
 * Bounded load on loopback with autocannon: the ingest API, two console
 * pages with a signed-in session, and the same pages while the dispatcher
 * drains a backlog of queued deliveries. Figures: throughput, p50/p99
 * latency, non-2xx and errors, RSS of the server's process tree.
 */

type LoadFigures = {
  target: string;
  seconds: number;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
};

async function cannon(label: string, options: autocannon.Options): Promise<LoadFigures> {
  const result = await autocannon({ ...options, timeout: 20 });
  return {
    target: label,
    seconds: Number(options.duration),
    connections: options.connections ?? 10,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

const rssOfTree = (pid: number) => processTree(pid).reduce((sum, p) => sum + (memoryOf(p)?.rss ?? 0), 0);
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function pages(server: Server, sandbox: Sandbox, cookie: string, seconds: number, label: string) {
  // One request each first: the measured run starts on warm pages, as a console in use is.
  for (const page of ["deliveries", "notifications"]) await fetch(`${server.url}/o/${sandbox.org}/${page}`, { headers: { cookie } });
  return Promise.all(
    ["deliveries", "notifications"].map((page) =>
      cannon(`GET /o/{org}/${page}${label}`, { url: `${server.url}/o/${sandbox.org}/${page}`, headers: { cookie }, connections: 4, duration: seconds }),
    ),
  );
}

/** Queued deliveries written straight into the database (as ingest would have), one event each, due now. */
function queueBacklog(sandbox: Sandbox, count: number) {
  withDatabase(sandbox, (sqlite) => {
    const orgId = (sqlite.prepare("SELECT id FROM orgs LIMIT 1").get() as { id: string }).id;
    const insertEvent = sqlite.prepare(
      "INSERT INTO events (id, org_id, type, severity, title, data, occurred_at, received_at, is_test) VALUES (?, ?, ?, 'warning', ?, '{}', ?, ?, 0)",
    );
    const insertDelivery = sqlite.prepare(
      "INSERT INTO deliveries (id, org_id, channel_id, status, attempt_count, next_attempt_at, is_test, created_at, updated_at) VALUES (?, ?, ?, 'queued', 0, ?, 0, ?, ?)",
    );
    const link = sqlite.prepare("INSERT INTO delivery_events (delivery_id, event_id) VALUES (?, ?)");
    const now = Date.now();
    sqlite.transaction(() => {
      for (let i = 0; i < count; i++) {
        const eventId = newId("evt");
        const deliveryId = newId("dlv");
        insertEvent.run(eventId, orgId, EVENT_TYPE, `Backlog ${i}`, now, now);
        insertDelivery.run(deliveryId, orgId, sandbox.webhookChannelId, now, now, now);
        link.run(deliveryId, eventId);
      }
    })();
    sqlite.pragma("wal_checkpoint(TRUNCATE)");
  });
}

const queued = (sandbox: Sandbox) =>
  withDatabase(sandbox, (sqlite) => (sqlite.prepare("SELECT count(*) AS n FROM deliveries WHERE status IN ('queued', 'sending')").get() as { n: number }).n);

export type LoadRun = {
  runs: LoadFigures[];
  rssAfterMb: number;
  peakTreeRssMb: number;
  backlog: { deliveries: number; drainedWhileMeasured: number; drainedTotal: number; drainSeconds: number | null; deliveriesPerSecond: number };
};

export async function loadRuns(options: { seconds: number; backlog: number; receiver: Receiver; logDir: string }): Promise<Outcome<LoadRun>> {
  const { seconds, receiver } = options;
  const failures: string[] = [];
  const sandbox = await createSandbox("load", { hookUrl: receiver.url, retrySchedule: "3600" });
  let server = await startServer(sandbox, path.join(options.logDir, "load-server.log"));
  const memory = sampleMemory(server.pid);
  const runs: LoadFigures[] = [];
  try {
    const ingestOne = (id: string) =>
      fetch(`${server.url}/api/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${sandbox.token}`, "content-type": "application/json" },
        body: JSON.stringify({ id, type: EVENT_TYPE, severity: "warning", title: "Warm-up" }),
      });
    await ingestOne("warm-up");
    runs.push(
      await cannon("POST /api/v1/events (one event each)", {
        url: `${server.url}/api/v1/events`,
        method: "POST",
        headers: { authorization: `Bearer ${sandbox.token}`, "content-type": "application/json" },
        body: JSON.stringify({ id: "load-[<id>]", type: EVENT_TYPE, severity: "warning", title: "Load test", data: { host: "web-1" } }),
        idReplacement: true,
        connections: 10,
        duration: seconds,
      }),
    );
    const cookie = await signIn(server, sandbox);
    runs.push(...(await pages(server, sandbox, cookie, seconds, "")));
    const rssAfter = rssOfTree(server.pid);
    const peak = memory.stop();

    // The console while the dispatcher drains a backlog (a fresh start, so the queue is all there when it begins).
    await stopServer(server);
    queueBacklog(sandbox, options.backlog);
    const before = queued(sandbox);
    server = await startServer(sandbox, path.join(options.logDir, "load-server.log"));
    const drainStarted = Date.now();
    const cookie2 = await signIn(server, sandbox);
    runs.push(...(await pages(server, sandbox, cookie2, seconds, ` while draining ${options.backlog.toLocaleString("en")} deliveries`)));
    const drainedWhileMeasured = before - queued(sandbox);
    let drainSeconds: number | null = null;
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline) {
      if (queued(sandbox) === 0) {
        drainSeconds = Math.round((Date.now() - drainStarted) / 100) / 10;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const drainedTotal = before - queued(sandbox);
    for (const run of runs) {
      if (run.non2xx) failures.push(`${run.target}: ${run.non2xx} non-2xx answers`);
      if (run.errors) failures.push(`${run.target}: ${run.errors} errors (${run.timeouts} timeouts)`);
      if (run.requests === 0) failures.push(`${run.target}: no request completed`);
    }
    if (drainSeconds === null) failures.push(`the backlog did not drain within 4 minutes (${drainedTotal} of ${before})`);
    return {
      figures: {
        runs,
        rssAfterMb: mb(rssAfter),
        peakTreeRssMb: mb(peak.treePeakBytes),
        backlog: {
          deliveries: before,
          drainedWhileMeasured,
          drainedTotal,
          drainSeconds,
          deliveriesPerSecond: drainSeconds ? Math.round(drainedTotal / drainSeconds) : 0,
        },
      },
      failures,
    };
  } finally {
    await stopServer(server);
  }
}
