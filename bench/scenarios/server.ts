import fs from "node:fs";
import path from "node:path";
import { Pool, request } from "undici";
import { builtCliMissing } from "../lib/herald";
import { cpuSecondsOfTree, freePort, repoRoot, sampleMemory, spawnHerald, stopChild, type MemoryPeak } from "../lib/processes";

/** Why the server figures cannot be measured in this tree, or null. */
export function serverMissing(): string | null {
  if (!fs.existsSync(path.join(repoRoot, ".next", "BUILD_ID"))) return "no production build (.next/BUILD_ID); run `npm run build` first";
  return builtCliMissing();
}

export type RunningServer = {
  origin: string;
  pid: number;
  /** Stops the server and returns the memory peak seen since it started. */
  stop(): Promise<MemoryPeak>;
  /** CPU seconds used so far by the server's processes. */
  cpuSeconds(): number;
  output(): string;
};

/** `herald start` on a free loopback port against the sandbox; resolves once /api/health answers 200. */
export async function startServer(
  env: Record<string, string | undefined>,
  /** stopGraceMs: how long it may take to stop after SIGTERM before it is killed (default 3 s; --cpu-prof needs a clean exit). */
  options: { worker: "inline" | "off"; logFile: string; nodeArgs?: string[]; stopGraceMs?: number },
): Promise<RunningServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawnHerald(["start"], {
    env: { ...env, PORT: String(port), HERALD_WORKER: options.worker, HERALD_PUBLIC_URL: origin },
    logFile: options.logFile,
    nodeArgs: options.nodeArgs,
  });
  const memory = sampleMemory(child.pid!);
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`the server exited (code ${code}):\n${child.output()}`))));
  exited.catch(() => {});
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await request(`${origin}/api/health`);
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`the server did not become healthy within 60 s:\n${child.output()}`);
    }
    await Promise.race([new Promise((r) => setTimeout(r, 200)), exited]);
  }
  return {
    origin,
    pid: child.pid!,
    output: () => child.output(),
    cpuSeconds: () => cpuSecondsOfTree(child.pid!),
    async stop() {
      await stopChild(child, "SIGTERM", options.stopGraceMs);
      return memory.stop();
    },
  };
}

export type LoadResult = {
  requests: number;
  events: number;
  errors: number;
  firstError?: string;
  seconds: number;
  deliveriesPerEvent?: number;
  /** Server CPU time (all its processes) per accepted event during the timed part, in µs. */
  serverCpuMicrosPerEvent?: number;
};

/**
 * Closed-loop load on POST /api/v1/events: `concurrency` requests in flight,
 * each posting `batchSize` events (a single object when 1), for `durationMs`
 * after a warm-up that is not counted (the first requests compile and JIT).
 */
export async function postEventsLoad(
  origin: string,
  token: string,
  options: {
    concurrency: number;
    batchSize: number;
    durationMs: number;
    warmupMs: number;
    makeEvent: (n: number) => object;
    /** CPU seconds the server has used so far (for the per-event CPU figure). */
    serverCpuSeconds?: () => number;
  },
): Promise<LoadResult> {
  const pool = new Pool(origin, { connections: options.concurrency, keepAliveTimeout: 60_000 });
  const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };
  let sequence = 0;
  let counting = false;
  let requests = 0;
  let events = 0;
  let errors = 0;
  let firstError: string | undefined;
  let deliveriesPerEvent: number | undefined;
  let stopAt = Infinity;
  const loop = async () => {
    while (performance.now() < stopAt) {
      const batch = Array.from({ length: options.batchSize }, () => options.makeEvent(sequence++));
      const body = JSON.stringify(options.batchSize === 1 ? batch[0] : batch);
      try {
        const res = await pool.request({ path: "/api/v1/events", method: "POST", headers, body });
        const text = await res.body.text();
        if (res.statusCode !== 202 && res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
        if (deliveriesPerEvent === undefined) {
          const parsed = JSON.parse(text) as { events?: { deliveries?: number }[] };
          deliveriesPerEvent = parsed.events?.[0]?.deliveries;
        }
        if (counting) {
          requests++;
          events += options.batchSize;
        }
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
        // A server that refuses everything must not be hammered in a tight loop.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  // The first request loads the route's code: let it finish before the clock and the load start.
  const first = await pool.request({ path: "/api/v1/events", method: "POST", headers, body: JSON.stringify(options.makeEvent(sequence++)) });
  const firstText = await first.body.text();
  if (first.statusCode !== 202 && first.statusCode !== 200) throw new Error(`POST /api/v1/events answered ${first.statusCode}: ${firstText.slice(0, 300)}`);
  stopAt = performance.now() + options.warmupMs + options.durationMs;
  const loops = Array.from({ length: options.concurrency }, loop);
  await new Promise((r) => setTimeout(r, options.warmupMs));
  counting = true;
  const from = performance.now();
  const cpuFrom = options.serverCpuSeconds?.();
  await Promise.all(loops);
  const seconds = (performance.now() - from) / 1000;
  const cpuTo = options.serverCpuSeconds?.();
  await pool.close();
  const serverCpuMicrosPerEvent = cpuFrom !== undefined && cpuTo !== undefined && events > 0 ? ((cpuTo - cpuFrom) * 1e6) / events : undefined;
  return { requests, events, errors, firstError, seconds, deliveriesPerEvent, serverCpuMicrosPerEvent };
}
