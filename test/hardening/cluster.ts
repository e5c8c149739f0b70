import path from "node:path";
import fs from "node:fs";
import pg from "pg";
import { copySqliteToPostgres } from "@/db/copy";
import { spawnHerald, stopChild } from "@/bench/lib/processes";
import { startPostgresCluster } from "../postgres-cluster";
import { createSandbox, ingest, startServer, type Sandbox, type Server } from "./herald";
import type { Receiver } from "./peers";
import type { Outcome } from "./faults";

/**
 * Herald as several nodes on one PostgreSQL database (docs/scaling.md): two
 * API nodes (HERALD_WORKER=off) and three `herald worker` processes on a
 * throw-away cluster, seeded by `herald copy-db` from a SQLite sandbox.
 *
 * 1. Steady: events posted to both nodes (and the same producer id to both at
 *    once) — every one delivered, none sent twice, none stored twice.
 * 2. kill -9 of a random process, again and again, during ingest — every
 *    acknowledged event delivered at least once.
 * 3. PostgreSQL stopped and started again mid-run — the API answers 503 while
 *    it is away (never 500), nothing acknowledged is lost, and every process
 *    recovers by itself (same pids, no restart).
 */

export type ClusterFigures = {
  accepted: number;
  lost: number;
  sentTwiceWithoutCrash: number;
  storedTwice: number;
  kills: number;
  redeliveredAfterCrash: number;
  answersWhileDatabaseAway: Record<string, number>;
  secondsToRecover: number;
  drainSeconds: number;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)];

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(stepMs);
  }
  return check();
}

type Node = { name: string; kind: "api" | "worker"; server?: Server; worker?: ReturnType<typeof spawnHerald> };

export async function clusterRun(receiver: Receiver, logDir: string, plan: { kills: number; eventsPerPhase: number }): Promise<Outcome<ClusterFigures>> {
  const failures: string[] = [];
  const cluster = startPostgresCluster();
  const admin = new pg.Client({ connectionString: cluster.url() });
  const nodes: Node[] = [];
  const kill = async (node: Node) => {
    const child = node.kind === "api" ? node.server!.child : node.worker!;
    await stopChild(child, "SIGKILL", 0);
  };
  const alive = (node: Node) => {
    const child = node.kind === "api" ? node.server?.child : node.worker;
    return !!child && child.exitCode === null && child.signalCode === null;
  };
  try {
    await admin.connect();
    await admin.query("CREATE DATABASE herald_cluster");
    await admin.end();
    const databaseUrl = cluster.url("herald_cluster");
    const seeded = await createSandbox("cluster", { hookUrl: receiver.url });
    await copySqliteToPostgres(seeded.databasePath, databaseUrl);
    const sandbox: Sandbox = { ...seeded, env: { ...seeded.env, DATABASE_URL: databaseUrl, HERALD_DB_POOL: "4" } };
    const apiSandbox: Sandbox = { ...sandbox, env: { ...sandbox.env, HERALD_WORKER: "off" } };
    const log = (name: string) => path.join(logDir, `cluster-${name}.log`);

    const start = async (node: Node) => {
      if (node.kind === "api") node.server = await startServer(apiSandbox, log(node.name));
      else {
        const logFile = log(node.name);
        const before = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
        node.worker = spawnHerald(["worker"], { env: sandbox.env, logFile });
        const up = await waitFor(() => fs.existsSync(logFile) && fs.readFileSync(logFile, "utf8").slice(before).includes("is dispatching"), 60_000);
        if (!up) throw new Error(`${node.name} did not start:\n${node.worker.output()}`);
      }
    };
    for (const name of ["api-1", "api-2"]) nodes.push({ name, kind: "api" });
    for (const name of ["worker-1", "worker-2", "worker-3"]) nodes.push({ name, kind: "worker" });
    for (const node of nodes) await start(node);
    const apis = () => nodes.filter((n) => n.kind === "api" && alive(n)).map((n) => n.server!);

    // The receiver is shared by every section: count only the deliveries of this one (the kill rounds before it re-send theirs).
    const earlier = new Set(receiver.deliveries.keys());
    const sentTwice = () => [...receiver.deliveries].filter(([id, n]) => n > 1 && !earlier.has(id)).length;
    const acked = new Set<string>();
    const unanswered: string[] = [];
    const statuses = new Map<string, number>();
    let sequence = 0;
    const keys = (n: number) => Array.from({ length: n }, () => `c-${++sequence}`);
    const post = async (server: Server, batch: string[]) => {
      const answer = await ingest(server, sandbox, batch);
      statuses.set(String(answer.status), (statuses.get(String(answer.status)) ?? 0) + 1);
      if (answer.status === 200 || answer.status === 202) answer.ids.forEach((id) => acked.add(id));
      else unanswered.push(...batch);
      return answer.status;
    };
    const resendUnanswered = async () => {
      const again = unanswered.splice(0);
      for (let i = 0; i < again.length; i += 20) await post(pick(apis()), again.slice(i, i + 20));
    };
    const delivered = () => [...acked].every((id) => receiver.events.has(id));

    // 1. Steady, nothing crashes.
    for (let i = 0; i < plan.eventsPerPhase / 10; i++) await post(apis()[i % 2], keys(10));
    // The same producer id posted to both nodes at the same instant: stored once.
    for (let i = 0; i < 20; i++) {
      const [key] = keys(1);
      await Promise.all(apis().map((server) => post(server, [key])));
    }
    const steadyDrained = await waitFor(delivered, 60_000);
    if (!steadyDrained)
      failures.push(
        `steady phase: ${[...acked].filter((id) => !receiver.events.has(id)).length} of ${acked.size} acknowledged events not delivered within 60 s`,
      );
    await sleep(1_000); // a second send of the same delivery would arrive now
    const sentTwiceWithoutCrash = sentTwice();
    if (sentTwiceWithoutCrash) failures.push(`steady phase: ${sentTwiceWithoutCrash} deliveries sent twice while nothing crashed`);

    // 2. kill -9 of any process during ingest; it is started again.
    for (let k = 0; k < plan.kills; k++) {
      let running = true;
      const producer = (async () => {
        while (running) {
          const targets = apis();
          if (targets.length) await post(pick(targets), keys(5));
          else await sleep(50);
        }
      })();
      await sleep(300 + Math.random() * 1_200);
      const victim = pick(nodes);
      await kill(victim);
      await sleep(200);
      await start(victim);
      running = false;
      await producer;
    }
    await resendUnanswered();

    // 3. PostgreSQL goes away and comes back; the processes are not restarted.
    const pidsBefore = nodes.map((n) => (n.kind === "api" ? n.server!.pid : n.worker!.pid));
    const whileAway = new Map<string, number>();
    cluster.stopServer();
    const awayUntil = Date.now() + 3_000;
    while (Date.now() < awayUntil) {
      const [key] = keys(1);
      const answer = await ingest(pick(apis()), sandbox, [key]);
      whileAway.set(String(answer.status), (whileAway.get(String(answer.status)) ?? 0) + 1);
      if (answer.status === 200 || answer.status === 202) answer.ids.forEach((id) => acked.add(id));
      else unanswered.push(key);
      await sleep(100);
    }
    cluster.startServer();
    const backAt = Date.now();
    const recovered = await waitFor(async () => (await ingest(apis()[0], sandbox, keys(1))).status === 202, 60_000, 250);
    const secondsToRecover = Math.round((Date.now() - backAt) / 100) / 10;
    if (!recovered) failures.push("the API did not accept events within 60 s of PostgreSQL's return");
    for (const server of apis()) {
      const answer = await ingest(server, sandbox, keys(1));
      if (answer.status !== 202) failures.push(`after PostgreSQL came back, ${server.url} answered ${answer.status}`);
      answer.ids.forEach((id) => acked.add(id));
    }
    const unexpectedAway = [...whileAway.keys()].filter((s) => s !== "503" && s !== "202" && s !== "200");
    if (unexpectedAway.length) failures.push(`while PostgreSQL was away the API answered ${unexpectedAway.join(", ")} (expected 503)`);
    if (!whileAway.has("503")) failures.push("no 503 while PostgreSQL was away");
    const pidsAfter = nodes.map((n) => (alive(n) ? (n.kind === "api" ? n.server!.pid : n.worker!.pid) : -1));
    nodes.forEach((n, i) => pidsAfter[i] !== pidsBefore[i] && failures.push(`${n.name} did not survive PostgreSQL's restart (it exited)`));
    await resendUnanswered();

    // Every acknowledged event reaches the receiver: leases of killed workers expire after 2 minutes.
    const drainStart = Date.now();
    const drained = await waitFor(delivered, 200_000, 500);
    const drainSeconds = Math.round((Date.now() - drainStart) / 100) / 10;
    const lost = [...acked].filter((id) => !receiver.events.has(id));
    if (!drained) failures.push(`${lost.length} of ${acked.size} acknowledged events never reached the receiver (e.g. ${lost.slice(0, 3).join(", ")})`);
    const unexpected = [...statuses.keys()].filter((s) => !["200", "202", "503", "0"].includes(s));
    if (unexpected.length) failures.push(`ingest answered ${unexpected.join(", ")}`);

    const check = new pg.Client({ connectionString: databaseUrl });
    await check.connect();
    const storedTwice = Number(
      (
        await check.query(
          "SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE idempotency_key IS NOT NULL GROUP BY org_id, idempotency_key HAVING count(*) > 1) d",
        )
      ).rows[0].n,
    );
    await check.end();
    if (storedTwice) failures.push(`${storedTwice} producer ids were stored more than once`);

    return {
      figures: {
        accepted: acked.size,
        lost: lost.length,
        sentTwiceWithoutCrash,
        storedTwice,
        kills: plan.kills,
        redeliveredAfterCrash: sentTwice(),
        answersWhileDatabaseAway: Object.fromEntries(whileAway),
        secondsToRecover,
        drainSeconds,
      },
      failures,
    };
  } finally {
    for (const node of nodes) if (alive(node)) await kill(node).catch(() => {});
    cluster.stop();
  }
}
