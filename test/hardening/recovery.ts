import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";
import { closeDb, openSqlite, type Db } from "@/db/client";
import { ingestEvents } from "@/lib/events/ingest";
import { onCleanup, repoRoot, stopChild } from "@/bench/lib/processes";
import { createSandbox, EVENT_TYPE, withDatabase, type Sandbox } from "./herald";

/**
 * `--only recovery` (issue #17 item 4): recovery waits for the receiver, not
 * for timers. Two scenarios, each with its own receiver and `herald worker`
 * processes (`node --import tsx bin/herald.ts worker`, no build needed):
 *
 * 1. The receiver answers 503 for `outageSeconds` while events keep coming
 *    (the default retry schedule: 5 s, then 5 min), then answers 200. Figure:
 *    seconds from its return until every event of the outage has arrived.
 *    Promise: under a minute (before: the 5-minute step, ~330 s).
 * 2. A worker holding deliveries in flight (a slow receiver) is killed -9 and
 *    restarted on the same host. Figure: seconds from the restart until every
 *    delivery the dead worker held was delivered. Promise: well under the
 *    2-minute lease (before: the lease).
 */

type Plan = { outageSeconds: number; killEvents: number };

/** A receiver of this scenario: `down` answers 503, `delayMs` holds each answer; records when each event first arrived with a 200. */
async function controllableReceiver() {
  const arrived = new Map<string, number>();
  const state = { down: false, delayMs: 0, requests: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      state.requests++;
      const answer = () => {
        if (state.down) {
          res.writeHead(503, { "content-type": "text/plain" });
          res.end("down for maintenance");
          return;
        }
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: string }[] | { id?: string };
          for (const e of Array.isArray(body) ? body : [body]) if (e?.id && !arrived.has(e.id)) arrived.set(e.id, Date.now());
        } catch {
          // not a Herald body
        }
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("ok");
      };
      if (state.delayMs > 0) setTimeout(answer, state.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrived,
    state,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** `herald worker` from the sources, in its own process group (kill -9 takes it whole). */
export function startWorker(sandbox: Sandbox, logFile: string): ChildProcess {
  const log = fs.openSync(logFile, "a");
  const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "bin", "herald.ts"), "worker"], {
    cwd: repoRoot,
    detached: true,
    env: { ...process.env, ...sandbox.env, DATABASE_URL: sandbox.databasePath },
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  onCleanup(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // gone already
    }
  });
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ceilingMs: number): Promise<boolean> {
  const end = Date.now() + ceilingMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await sleep(100);
  }
  return true;
}

function orgIdOf(sandbox: Sandbox): string {
  return withDatabase(sandbox, (sqlite) => (sqlite.prepare("SELECT id FROM orgs WHERE slug = ?").get(sandbox.org) as { id: string }).id);
}

async function ingestOne(db: Db, orgId: string, n: number): Promise<string> {
  const [result] = await ingestEvents(db, orgId, [{ type: EVENT_TYPE, severity: "warning", title: `Recovery ${n}` }], { indexed: false });
  return result.id;
}

async function outageThenReturn(plan: Plan, logDir: string) {
  const failures: string[] = [];
  const receiver = await controllableReceiver();
  // The default schedule: what matters is its 5-minute second step.
  const sandbox = await createSandbox("recovery-outage", { hookUrl: receiver.url, retrySchedule: "5,300,1800,7200,18000,36000,36000" });
  const db = openSqlite(sandbox.databasePath, { migrate: false });
  const orgId = orgIdOf(sandbox);
  const worker = startWorker(sandbox, path.join(logDir, "recovery-outage.log"));
  try {
    receiver.state.down = true;
    const during: string[] = [];
    const outageEnd = Date.now() + plan.outageSeconds * 1000;
    for (let n = 0; Date.now() < outageEnd; n++) {
      during.push(await ingestOne(db, orgId, n));
      await sleep(200); // 5 events a second
    }
    receiver.state.down = false;
    const back = Date.now();
    // Traffic goes on after the return: one event a second.
    let n = during.length;
    const ceilingMs = 400_000;
    let arrivedAll = false;
    while (Date.now() - back < ceilingMs) {
      if (during.every((id) => receiver.arrived.has(id))) {
        arrivedAll = true;
        break;
      }
      await ingestOne(db, orgId, n++);
      await sleep(1000);
    }
    const lastArrival = Math.max(...during.map((id) => receiver.arrived.get(id) ?? Infinity));
    const recoverySeconds = arrivedAll ? Math.round((lastArrival - back) / 100) / 10 : null;
    const lost = during.filter((id) => !receiver.arrived.has(id)).length;
    if (!arrivedAll) failures.push(`${lost} of ${during.length} events of the outage had not arrived ${ceilingMs / 1000} s after the receiver returned`);
    else if (recoverySeconds! > 60)
      failures.push(`the last event of the outage arrived ${recoverySeconds} s after the receiver returned (promise: under a minute)`);
    return { figures: { outageSeconds: plan.outageSeconds, eventsDuringOutage: during.length, recoverySeconds, lost }, failures };
  } finally {
    await stopChild(worker, "SIGTERM", 5000);
    await closeDb(db);
    await receiver.close();
  }
}

async function killThenRestart(plan: Plan, logDir: string) {
  const failures: string[] = [];
  const receiver = await controllableReceiver();
  const sandbox = await createSandbox("recovery-kill", { hookUrl: receiver.url });
  const db = openSqlite(sandbox.databasePath, { migrate: false });
  const orgId = orgIdOf(sandbox);
  // A slow receiver: the worker holds deliveries in flight when it is killed.
  receiver.state.delayMs = 3_000;
  const first = startWorker(sandbox, path.join(logDir, "recovery-kill-1.log"));
  let second: ChildProcess | undefined;
  try {
    const ids: string[] = [];
    for (let n = 0; n < plan.killEvents; n++) ids.push(await ingestOne(db, orgId, n));
    if (!(await until(() => receiver.state.requests >= Math.min(20, plan.killEvents), 60_000))) throw new Error("the first worker sent nothing within 60 s");
    process.kill(-first.pid!, "SIGKILL");
    await new Promise((resolve) => (first.exitCode !== null || first.signalCode !== null ? resolve(null) : first.once("exit", resolve)));
    const held = withDatabase(sandbox, (sqlite) =>
      (sqlite.prepare("SELECT id FROM deliveries WHERE status = 'sending'").all() as { id: string }[]).map((r) => r.id),
    );
    receiver.state.delayMs = 0;
    const restarted = Date.now();
    second = startWorker(sandbox, path.join(logDir, "recovery-kill-2.log"));
    const delivered = () =>
      withDatabase(
        sandbox,
        (sqlite) =>
          (
            sqlite
              .prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'delivered' AND id IN (SELECT value FROM json_each(?))")
              .get(JSON.stringify(held)) as { n: number }
          ).n,
      );
    const ceilingMs = 180_000;
    let heldDone = false;
    while (Date.now() - restarted < ceilingMs) {
      if (delivered() === held.length) {
        heldDone = true;
        break;
      }
      await sleep(200);
    }
    const resentSeconds = heldDone ? Math.round((Date.now() - restarted) / 100) / 10 : null;
    await until(() => ids.every((id) => receiver.arrived.has(id)), 60_000);
    const lost = ids.filter((id) => !receiver.arrived.has(id)).length;
    if (held.length === 0) failures.push("the killed worker held no leases: the scenario did not test anything");
    if (!heldDone) failures.push(`the dead worker's ${held.length} deliveries were not all delivered ${ceilingMs / 1000} s after the restart`);
    else if (resentSeconds! > 30)
      failures.push(`the dead worker's deliveries went out ${resentSeconds} s after the restart (the lease is 120 s; promise: at once)`);
    if (lost) failures.push(`${lost} events never arrived`);
    return { figures: { events: plan.killEvents, heldByTheKilledWorker: held.length, resentSecondsAfterRestart: resentSeconds, lost }, failures };
  } finally {
    if (second) await stopChild(second, "SIGTERM", 5000);
    await closeDb(db);
    await receiver.close();
  }
}

export async function recoveryRuns(plan: Plan, logDir: string) {
  const outage = await outageThenReturn(plan, logDir);
  const kill = await killThenRestart(plan, logDir);
  return { figures: { outage: outage.figures, kill: kill.figures }, failures: [...outage.failures, ...kill.failures] };
}
