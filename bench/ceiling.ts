/**
 * The machine's ceiling for one sender thread: raw POSTs of a ~1 KB JSON body
 * with undici (keep-alive Pool, 64 requests in flight) from one process to the
 * benchmark's receiver. Run as a child process (forked by `measureCeiling`) so
 * that the runner's own work never shares its event loop.
 */
import { Pool } from "undici";
import { performance } from "node:perf_hooks";
import { forkTs, isMainModule, nextMessage } from "./lib/processes";

export type CeilingResult = { requests: number; seconds: number; requestsPerSecond: number; bodyBytes: number; errors: number };
type CeilingJob = { url: string; concurrency: number; warmupMs: number; durationMs: number };

/** A ~1 KB JSON body shaped like one event of a webhook `array` delivery. */
function ceilingBody(): string {
  const event = {
    id: "evt_0000000000000000000000",
    created_at: new Date(0).toISOString(),
    type: "deployment.failed",
    severity: "error",
    title: "Deployment of api-server to production failed",
    org: "bench",
    product: "api-server",
    data: { commit: "0".repeat(40), environment: "production", region: "eu-west-1", note: "x".repeat(620) },
  };
  return JSON.stringify([event]);
}

async function runJob(job: CeilingJob): Promise<CeilingResult> {
  const origin = new URL(job.url).origin;
  const pool = new Pool(origin, { connections: job.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const body = ceilingBody();
  let counting = false;
  let requests = 0;
  let errors = 0;
  let stopAt = Infinity;

  const loop = async () => {
    while (performance.now() < stopAt) {
      try {
        const res = await pool.request({ path: "/ceiling", method: "POST", body, headers: { "content-type": "application/json" } });
        await res.body.dump();
        if (counting) requests++;
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  stopAt = started + job.warmupMs + job.durationMs;
  const loops = Array.from({ length: job.concurrency }, loop);
  await new Promise((r) => setTimeout(r, job.warmupMs));
  counting = true;
  const measuredFrom = performance.now();
  await Promise.all(loops);
  const seconds = (performance.now() - measuredFrom) / 1000;
  await pool.close();
  return { requests, seconds, requestsPerSecond: requests / seconds, bodyBytes: Buffer.byteLength(body), errors };
}

/** Forks this file, runs one measurement against `url`, and returns its result. */
export async function measureCeiling(url: string, options: { durationMs: number; warmupMs?: number; concurrency?: number }): Promise<CeilingResult> {
  const child = forkTs("bench/ceiling.ts");
  try {
    const job: CeilingJob = { url, concurrency: options.concurrency ?? 64, warmupMs: options.warmupMs ?? 1000, durationMs: options.durationMs };
    const done = nextMessage(
      child,
      (m): m is { type: "ceiling"; result: CeilingResult } => (m as { type?: string })?.type === "ceiling",
      job.warmupMs + job.durationMs + 30_000,
    );
    child.send({ type: "run", job });
    return (await done).result;
  } finally {
    child.kill("SIGKILL");
  }
}

if (isMainModule(import.meta.url)) {
  process.on("message", (m: { type: string; job: CeilingJob }) => {
    if (m.type !== "run") return;
    void runJob(m.job).then((result) => process.send?.({ type: "ceiling", result }));
  });
  process.on("disconnect", () => process.exit(0));
}
