/**
 * `npm run test:hardening [-- --quick] [-- --only kill,smtp,disk,load,cluster,security,recovery,backpressure,slow]`:
 * the long hardening runs against real server processes on loopback — kill -9
 * during ingest and dispatch, SMTP down then up, a full disk, bounded load,
 * several nodes on one PostgreSQL database under kill -9 and a database restart
 * (cluster.ts, docs/scaling.md), the attacks of the security part
 * (test/hardening/security/, docs/security.md), recovery after a receiver
 * outage and after kill -9 of a worker (recovery.ts), and back-pressure:
 * Retry-After floods, a rate-limited receiver, one Slack channel paced across
 * three workers (backpressure.ts), and a receiver answering in 10 s, under the
 * attempt's limit, at 24 events a second (slow.ts).
 * Prints the figures (docs/reliability.md quotes them), writes
 * test-results/hardening.json, and exits 1 when a promise was broken.
 * Every child process is killed when it ends, however it ends.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { freePort, installCleanupHandlers, killAllChildrenSync, repoRoot } from "@/bench/lib/processes";
import { fullDisk, killRounds, smtpDownThenUp, verifyKillRounds } from "./faults";
import { configureRunnerEnv, tempDirs } from "./herald";
import { loadRuns } from "./load";
import { startReceiver } from "./peers";
import { securityAttacks } from "./security";
import { clusterRun } from "./cluster";
import { recoveryRuns } from "./recovery";
import { backpressureRun } from "./backpressure";
import { slowReceiverRun } from "./slow";

const { values } = parseArgs({ options: { quick: { type: "boolean" }, only: { type: "string" } } });
const quick = values.quick ?? false;
const only = new Set((values.only ?? "kill,smtp,disk,load,cluster,security,recovery,backpressure,slow").split(",").map((s) => s.trim()));
const plan = quick
  ? { rounds: 4, loadSeconds: 10, backlog: 5_000, clusterKills: 3, clusterEvents: 200, outageSeconds: 10, killEvents: 100, slowSeconds: 10 }
  : { rounds: 20, loadSeconds: 60, backlog: 50_000, clusterKills: 12, clusterEvents: 2_000, outageSeconds: 47, killEvents: 500, slowSeconds: 30 };
/** Sections that run `herald start` on the production build (recovery and slow run `herald worker` from the sources, back-pressure its dispatchers in this process). */
const NEEDS_BUILD = ["kill", "smtp", "disk", "load", "security", "cluster"];

function ensureBuild() {
  if (["dist/herald.mjs", ".next/BUILD_ID"].every((file) => fs.existsSync(path.join(repoRoot, file)))) return;
  console.log("No production build (.next, dist): running `npm run build` first.");
  const build = spawnSync("npm", ["run", "build"], { cwd: repoRoot, stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");
}

type Section = { name: string; seconds: number; figures?: unknown; failures: string[]; skipped?: string };

async function main() {
  installCleanupHandlers();
  const started = Date.now();
  if (NEEDS_BUILD.some((name) => only.has(name))) ensureBuild();
  const smtpPort = await freePort();
  configureRunnerEnv(smtpPort);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-hardening-logs-"));
  const receiver = await startReceiver();
  const sections: Section[] = [];
  const timed = async (name: string, fn: () => Promise<{ figures: unknown; failures: string[] } | { skipped: string }>) => {
    const t = Date.now();
    process.stdout.write(`▶ ${name} … `);
    try {
      const out = await fn();
      const section: Section = { name, seconds: Math.round((Date.now() - t) / 1000), failures: [], ...out };
      sections.push(section);
      console.log(section.skipped ? `skipped: ${section.skipped}` : section.failures.length ? `FAILED (${section.seconds} s)` : `ok (${section.seconds} s)`);
    } catch (e) {
      sections.push({ name, seconds: Math.round((Date.now() - t) / 1000), failures: [`crashed: ${(e as Error).stack ?? e}`] });
      console.log("CRASHED");
    }
  };

  try {
    let kill: Awaited<ReturnType<typeof killRounds>> | undefined;
    if (only.has("kill")) {
      await timed(`kill -9 during ingest and dispatch, ${plan.rounds} rounds`, async () => {
        kill = await killRounds(plan.rounds, receiver, logDir);
        return { figures: { rounds: kill.rounds }, failures: [] };
      });
    }
    // The killed servers' leases expire 2 minutes after their claims: the other runs go first, the check comes last.
    if (only.has("smtp")) await timed("SMTP down, then up", () => smtpDownThenUp(smtpPort, receiver, logDir));
    if (only.has("disk")) await timed("full disk (tmpfs data dir)", () => fullDisk(receiver, logDir));
    if (only.has("load"))
      await timed(`load, ${plan.loadSeconds} s per target, backlog ${plan.backlog}`, () =>
        loadRuns({ seconds: plan.loadSeconds, backlog: plan.backlog, receiver, logDir }),
      );
    if (only.has("cluster")) {
      await timed(`2 API nodes + 3 workers on PostgreSQL: kill -9 × ${plan.clusterKills}, database restarted`, () =>
        clusterRun(receiver, logDir, { kills: plan.clusterKills, eventsPerPhase: plan.clusterEvents }),
      );
    }
    if (only.has("recovery")) {
      await timed(`recovery: receiver down ${plan.outageSeconds} s then up; kill -9 of a worker then restart`, () =>
        recoveryRuns({ outageSeconds: plan.outageSeconds, killEvents: plan.killEvents }, logDir),
      );
    }
    if (only.has("backpressure"))
      await timed("back-pressure: Retry-After floods, a 20/s receiver, 3 workers on one Slack channel", () => backpressureRun({ quick }));
    if (only.has("slow")) {
      await timed(`a receiver answering in 10 s: 24 events/s for ${plan.slowSeconds} s, the default 15-s limit`, () =>
        slowReceiverRun({ eventSeconds: plan.slowSeconds }, logDir),
      );
    }
    if (only.has("security")) await timed("security: the attacks of docs/security.md", () => securityAttacks(receiver, logDir));
    if (kill) {
      const state = kill;
      await timed("after the kill rounds: every acknowledged event delivered, database intact", () => verifyKillRounds(state, receiver, logDir));
    }
  } finally {
    await receiver.close();
    killAllChildrenSync();
  }

  const totalSeconds = Math.round((Date.now() - started) / 1000);
  const report = {
    command: `npm run test:hardening${quick ? " -- --quick" : ""}`,
    quick,
    at: new Date().toISOString(),
    cpus: os.cpus().length,
    totalSeconds,
    sections,
    logDir,
  };
  const out = path.join(repoRoot, "test-results", "hardening.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(
    `\n${JSON.stringify(
      sections.map(({ name, figures, skipped }) => ({ name, figures, skipped })),
      null,
      2,
    )}`,
  );
  const failures = sections.flatMap((s) => s.failures.map((f) => `${s.name}: ${f}`));
  console.log(
    `\n${failures.length ? `${failures.length} broken promise(s):\n- ${failures.join("\n- ")}` : "Every promise kept."} ${totalSeconds} s in all; report: ${path.relative(repoRoot, out)}${failures.length ? `; server logs: ${logDir}` : ""}`,
  );
  if (!failures.length) for (const dir of [...tempDirs, logDir]) fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = failures.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  killAllChildrenSync();
  process.exit(1);
});
