import { Pool } from "undici";
import { preciseNow } from "../receiver";
import type { Receiver } from "../lib/receiver-client";

/**
 * Ingest → first attempt latency: events posted one by one at a steady rate
 * (open loop: the schedule does not wait for answers), each carrying the time
 * it was posted in `data.benchSentAt`; the receiver subtracts it from the
 * arrival time of every delivery that carries it.
 */

export type LatencyResult = {
  targetRate: number;
  sent: number;
  accepted: number;
  errors: number;
  firstError?: string;
  /** Events per second actually posted (below target when the sender itself fell behind). */
  achievedRate: number;
  expectedArrivals: number;
  arrivals: number;
  /** Percentiles in ms; null when more than that share of deliveries never arrived. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  /** Time for POST /api/v1/events to answer, p99 (ms). */
  ingestP99: number | null;
};

export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function steadyRateLatency(
  receiver: Receiver,
  origin: string,
  token: string,
  options: { rate: number; durationMs: number; warmupMs: number; deliveriesPerEvent: number; drainMs: number },
): Promise<LatencyResult> {
  const pool = new Pool(origin, { connections: 32, keepAliveTimeout: 60_000 });
  const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
  // One event first, not measured: it loads the route's code and warms the worker's path.
  await receiver.reset();
  const warm = await pool.request({
    path: "/api/v1/events",
    method: "POST",
    headers,
    body: JSON.stringify({ type: "log.entry", severity: "info", title: "Warm-up" }),
  });
  await warm.body.dump();
  const warmed = await receiver.waitForCount(options.deliveriesPerEvent, options.drainMs).then(
    () => true,
    () => false,
  );
  if (!warmed) {
    await pool.close();
    throw new Error(`no delivery arrived within ${options.drainMs / 1000} s of ingest: is the in-process worker running (HERALD_WORKER=inline)?`);
  }
  const ingestMs: number[] = [];
  let sent = 0;
  let accepted = 0;
  let errors = 0;
  let firstError: string | undefined;
  const inFlight = new Set<Promise<void>>();

  const post = (n: number, measured: boolean) => {
    const sentAt = preciseNow();
    const body = JSON.stringify({ type: "log.entry", severity: "warning", title: `Latency probe ${n}`, data: { benchSentAt: sentAt, sequence: n } });
    const p = pool
      .request({ path: "/api/v1/events", method: "POST", headers, body })
      .then(async (res) => {
        const text = await res.body.text();
        if (!measured) return;
        ingestMs.push(preciseNow() - sentAt);
        if (res.statusCode === 202 || res.statusCode === 200) accepted++;
        else throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
      })
      .catch((e: Error) => {
        errors++;
        firstError ??= e.message;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  /** Posts `rate` events a second for `durationMs`, open loop; returns how many. */
  const postSteadily = async (durationMs: number, measured: boolean) => {
    let count = 0;
    const started = preciseNow();
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = preciseNow() - started;
        const due = Math.min(Math.floor((elapsed / 1000) * options.rate), Math.floor((durationMs / 1000) * options.rate));
        while (count < due) {
          count++;
          post(measured ? sent++ : -count, measured);
        }
        if (elapsed >= durationMs) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
    await Promise.all(inFlight);
    return { count, seconds: (preciseNow() - started) / 1000 };
  };

  // Warm-up at the rate, not measured: the first seconds of a fresh server compile and
  // optimise its hot paths (docs/performance.md gives the cold figure apart).
  const warmup = await postSteadily(options.warmupMs, false);
  await receiver.waitForCount(options.deliveriesPerEvent * (warmup.count + 1), options.drainMs).catch(() => {});
  await receiver.reset();
  await receiver.configure({ failFraction: 0, measureLatency: true });
  const measured = await postSteadily(options.durationMs, true);
  const sendingSeconds = measured.seconds;
  await pool.close();

  const expectedArrivals = accepted * options.deliveriesPerEvent;
  if (expectedArrivals > 0) await receiver.waitForCount(expectedArrivals, options.drainMs).catch(() => {});
  const stats = await receiver.stats();
  const latencies = stats.latenciesMs.sort((a, b) => a - b);
  // A delivery that never arrived counts as infinitely late, so a lost tail cannot flatter p99.
  const padded = latencies.concat(Array<number>(Math.max(0, expectedArrivals - latencies.length)).fill(Infinity));
  const finite = (v: number | null) => (v === null || !Number.isFinite(v) ? null : v);
  ingestMs.sort((a, b) => a - b);
  return {
    targetRate: options.rate,
    sent,
    accepted,
    errors,
    firstError,
    achievedRate: sent / sendingSeconds,
    expectedArrivals,
    arrivals: latencies.length,
    p50: finite(percentile(padded, 50)),
    p95: finite(percentile(padded, 95)),
    p99: finite(percentile(padded, 99)),
    max: latencies.at(-1) ?? null,
    ingestP99: percentile(ingestMs, 99),
  };
}
