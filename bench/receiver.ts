/**
 * The benchmark's receiver: a plain node:http server, run in its own child
 * process (forked by bench/lib/receiver-client.ts), that reads every request
 * body to the end and answers 200 — or 500 for a configured fraction of
 * requests, spread evenly. It counts arrivals, timestamps them and, when asked,
 * parses the body to compute ingest→arrival latency from the `benchSentAt`
 * time each benchmark event carries in its data.
 *
 * Controlled over IPC: {type:"configure"}, {type:"reset"}, {type:"stats"},
 * {type:"notifyAt", count}. It exits when its parent goes away.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { isMainModule } from "./lib/processes";

export type ReceiverConfig = {
  /** Fraction of requests (0..1) answered 500, spread evenly (every 10th for 0.1). */
  failFraction: number;
  /** Parse bodies and record latencies (costs receiver CPU; off for throughput runs). */
  measureLatency: boolean;
};

export type ReceiverStats = {
  requests: number;
  answered200: number;
  answered500: number;
  /** Requests that lacked a `webhook-signature` or an `authorization` header. */
  unsigned: number;
  bytes: number;
  firstArrivalAt: number | null;
  lastArrivalAt: number | null;
  /** ms from the event's `benchSentAt` to arrival, one per event per request (when measuring latency). */
  latenciesMs: number[];
};

export type ReceiverMessage =
  { type: "ready"; port: number } | { type: "stats"; stats: ReceiverStats } | { type: "reached"; count: number; at: number } | { type: "ack" };

/** Wall-clock time with sub-millisecond precision, comparable across processes on one machine. */
export const preciseNow = () => performance.timeOrigin + performance.now();

function startReceiver() {
  let config: ReceiverConfig = { failFraction: 0, measureLatency: false };
  let stats: ReceiverStats;
  let notifyAt: number | null = null;
  const reset = () => {
    stats = { requests: 0, answered200: 0, answered500: 0, unsigned: 0, bytes: 0, firstArrivalAt: null, lastArrivalAt: null, latenciesMs: [] };
    notifyAt = null;
  };
  reset();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = preciseNow();
      stats.requests++;
      stats.firstArrivalAt ??= at;
      stats.lastArrivalAt = at;
      if (!req.headers["webhook-signature"] || !req.headers.authorization) stats.unsigned++;
      let size = 0;
      for (const c of chunks) size += c.length;
      stats.bytes += size;
      if (config.measureLatency && req.url !== "/ceiling") recordLatencies(Buffer.concat(chunks).toString("utf8"), at);

      // The n-th request fails when floor(n·f) steps up: exactly ⌊n·f⌋ failures after n requests.
      const fail = Math.floor(stats.requests * config.failFraction + 1e-9) > Math.floor((stats.requests - 1) * config.failFraction + 1e-9);
      if (fail) stats.answered500++;
      else stats.answered200++;
      res.writeHead(fail ? 500 : 200, { "content-type": "text/plain", "content-length": fail ? 4 : 2 });
      res.end(fail ? "fail" : "ok");

      if (notifyAt !== null && stats.requests >= notifyAt) {
        process.send?.({ type: "reached", count: stats.requests, at } satisfies ReceiverMessage);
        notifyAt = null;
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  function recordLatencies(body: string, at: number) {
    try {
      const parsed: unknown = JSON.parse(body);
      // `array` format is a list of events; `envelope` wraps them in payload; `event` is one event.
      const list = Array.isArray(parsed) ? parsed : ((parsed as { payload?: unknown[] }).payload ?? [parsed]);
      for (const item of list) {
        const sentAt = (item as { data?: { benchSentAt?: unknown } })?.data?.benchSentAt;
        if (typeof sentAt === "number") stats.latenciesMs.push(at - sentAt);
      }
    } catch {
      // not JSON: nothing to measure
    }
  }

  process.on("message", (m: { type: string; config?: Partial<ReceiverConfig>; count?: number }) => {
    if (m.type === "configure") config = { ...config, ...m.config };
    if (m.type === "reset") reset();
    if (m.type === "notifyAt") {
      notifyAt = m.count ?? null;
      if (notifyAt !== null && stats.requests >= notifyAt) {
        process.send?.({ type: "reached", count: stats.requests, at: stats.lastArrivalAt ?? preciseNow() } satisfies ReceiverMessage);
        notifyAt = null;
      }
    }
    if (m.type === "stats") process.send?.({ type: "stats", stats } satisfies ReceiverMessage);
    else process.send?.({ type: "ack" } satisfies ReceiverMessage);
  });
  // The runner holds the only reference to us: when it goes, so do we.
  process.on("disconnect", () => process.exit(0));

  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number };
    process.send?.({ type: "ready", port } satisfies ReceiverMessage);
  });
}

if (isMainModule(import.meta.url) && process.send) startReceiver();
