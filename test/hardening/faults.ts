import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createSandbox,
  deliveriesOfEvents,
  ingest,
  integrityCheck,
  killServer,
  startServer,
  stopServer,
  withDatabase,
  type Sandbox,
  type Server,
} from "./herald";
import { startSmtp, type Receiver } from "./peers";

/**
 * The fault runs: kill -9 of the server during ingest and during dispatch,
 * an SMTP server that is down and comes back, and a full disk. Each returns
 * its figures and the list of broken promises (empty when Herald kept them).
 */

export type Outcome<F> = { figures: F; failures: string[] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(stepMs);
  }
  return check();
}

// --- kill -9 ------------------------------------------------------------------

export type KillState = {
  sandbox: Sandbox;
  acked: Set<string>;
  /** Producer ids whose request got no answer (the server died): the producer sends them again. */
  unanswered: string[];
  rounds: { kind: "ingest" | "dispatch"; killedAfterMs: number; acked: number; unanswered: number; startMs: number; integrity: string }[];
  unexpectedStatuses: string[];
};

/** N rounds, alternating: kill during a steady ingest, kill while a slow receiver is being sent a backlog. */
export async function killRounds(rounds: number, receiver: Receiver, logDir: string): Promise<KillState> {
  const sandbox = await createSandbox("kill", { hookUrl: receiver.url });
  const state: KillState = { sandbox, acked: new Set(), unanswered: [], rounds: [], unexpectedStatuses: [] };
  let sequence = 0;
  const keys = (n: number) => Array.from({ length: n }, () => `k-${++sequence}`);

  const record = (sent: string[], answer: Awaited<ReturnType<typeof ingest>>) => {
    if (answer.status === 202 || answer.status === 200) answer.ids.forEach((id) => state.acked.add(id));
    else if (answer.status === 0) state.unanswered.push(...sent);
    else state.unexpectedStatuses.push(`${answer.status}`);
    return answer.status === 202 || answer.status === 200 ? answer.ids.length : 0;
  };

  for (let i = 0; i < rounds; i++) {
    const kind = i % 2 === 0 ? "ingest" : "dispatch";
    const server = await startServer(sandbox, path.join(logDir, "kill-server.log"));
    const before = { acked: state.acked.size, unanswered: state.unanswered.length };
    // The producer first sends again what got no answer last time (same ids: stored once).
    const retry = state.unanswered.splice(0);
    for (let j = 0; j < retry.length; j += 50) record(retry.slice(j, j + 50), await ingest(server, sandbox, retry.slice(j, j + 50)));
    let killedAfterMs: number;
    if (kind === "ingest") {
      receiver.setDelay(random(0, 20));
      let running = true;
      const clients = Array.from({ length: 4 }, async () => {
        while (running) {
          const batch = keys(random(1, 20));
          record(batch, await ingest(server, sandbox, batch));
        }
      });
      // The kill comes at a random point of a steady ingest: after the first acknowledgement of this round.
      const ackedBefore = state.acked.size;
      await waitFor(() => state.acked.size > ackedBefore, 30_000, 20);
      killedAfterMs = random(100, 2000);
      await sleep(killedAfterMs);
      await killServer(server);
      running = false;
      await Promise.all(clients);
    } else {
      receiver.setDelay(15);
      for (let j = 0; j < 4; j++) {
        const batch = keys(50);
        record(batch, await ingest(server, sandbox, batch));
      }
      const seen = receiver.requests();
      const target = seen + random(1, 60);
      const started = Date.now();
      await waitFor(() => receiver.requests() >= target, 10_000, 5);
      killedAfterMs = Date.now() - started;
      await killServer(server);
    }
    state.rounds.push({
      kind,
      killedAfterMs,
      acked: state.acked.size - before.acked,
      unanswered: state.unanswered.length,
      startMs: server.startMs,
      integrity: integrityCheck(sandbox),
    });
  }
  receiver.setDelay(0);
  return state;
}

export type KillFigures = {
  rounds: number;
  ackedEvents: number;
  resentAfterNoAnswer: number;
  redeliveredAfterCrash: number;
  drainSeconds: number;
  integrity: string;
  medianStartMs: number;
};

/** After the rounds: one more start; every acknowledged event must reach the receiver and keep its deliveries. */
export async function verifyKillRounds(state: KillState, receiver: Receiver, logDir: string): Promise<Outcome<KillFigures>> {
  const failures: string[] = [];
  const { sandbox } = state;
  const server = await startServer(sandbox, path.join(logDir, "kill-server.log"));
  const resent = state.unanswered.splice(0);
  for (let j = 0; j < resent.length; j += 50) {
    const answer = await ingest(server, sandbox, resent.slice(j, j + 50));
    if (answer.status !== 202 && answer.status !== 200) failures.push(`a producer's retry after a crash got ${answer.status}`);
    answer.ids.forEach((id) => state.acked.add(id));
  }
  const started = Date.now();
  // Leases taken by a killed server expire after 2 minutes; then its deliveries go out again.
  const drained = await waitFor(() => [...state.acked].every((id) => receiver.events.has(id)), 180_000, 500);
  const drainSeconds = Math.round((Date.now() - started) / 100) / 10;
  await stopServer(server);
  const missing = [...state.acked].filter((id) => !receiver.events.has(id));
  if (!drained)
    failures.push(`${missing.length} of ${state.acked.size} acknowledged events never reached the receiver (e.g. ${missing.slice(0, 3).join(", ")})`);
  const deliveries = deliveriesOfEvents(sandbox, [...state.acked]);
  for (const [eventId, list] of deliveries) {
    const webhook = list.filter((d) => d.channelId === sandbox.webhookChannelId);
    if (webhook.length === 0) failures.push(`acknowledged event ${eventId} has no delivery`);
    for (const d of webhook) if (!receiver.deliveries.has(d.id)) failures.push(`delivery ${d.id} (${d.status}) of event ${eventId} never reached the receiver`);
  }
  const duplicates = withDatabase(
    sandbox,
    (sqlite) =>
      (
        sqlite
          .prepare(
            "SELECT count(*) AS n FROM (SELECT idempotency_key FROM events WHERE idempotency_key IS NOT NULL GROUP BY org_id, idempotency_key HAVING count(*) > 1)",
          )
          .get() as { n: number }
      ).n,
  );
  if (duplicates) failures.push(`${duplicates} producer ids were stored more than once`);
  const integrity = integrityCheck(sandbox);
  if (integrity !== "ok") failures.push(`integrity_check after the last round: ${integrity}`);
  for (const [i, r] of state.rounds.entries()) if (r.integrity !== "ok") failures.push(`integrity_check after round ${i + 1}: ${r.integrity}`);
  if (state.unexpectedStatuses.length) failures.push(`ingest answered ${[...new Set(state.unexpectedStatuses)].join(", ")} during the rounds`);
  const starts = state.rounds.map((r) => r.startMs).sort((a, b) => a - b);
  return {
    figures: {
      rounds: state.rounds.length,
      ackedEvents: state.acked.size,
      resentAfterNoAnswer: resent.length + state.rounds.reduce((n, r) => n + r.unanswered, 0),
      redeliveredAfterCrash: [...receiver.deliveries.values()].filter((n) => n > 1).length,
      drainSeconds,
      integrity,
      medianStartMs: starts[Math.floor(starts.length / 2)] ?? 0,
    },
    failures,
  };
}

// --- SMTP down, then up ---------------------------------------------------------

export type SmtpFigures = { events: number; failedAttemptsWhileDown: number; mailsAfterUp: number; secondsToDeliverAfterUp: number };

export async function smtpDownThenUp(smtpPort: number, receiver: Receiver, logDir: string): Promise<Outcome<SmtpFigures>> {
  const failures: string[] = [];
  const sandbox = await createSandbox("smtp", { hookUrl: receiver.url, email: true, retrySchedule: "2,2,2,2,2,2,2,2,2,2,2,2" });
  const server = await startServer(sandbox, path.join(logDir, "smtp-server.log"));
  let sink: Awaited<ReturnType<typeof startSmtp>> | undefined;
  try {
    const keys = Array.from({ length: 5 }, (_, i) => `smtp-${i + 1}`);
    const answer = await ingest(server, sandbox, keys);
    if (answer.status !== 202) failures.push(`ingest answered ${answer.status}`);
    const failedAttempts = () =>
      withDatabase(
        sandbox,
        (sqlite) =>
          (
            sqlite
              .prepare("SELECT count(*) AS n FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.channel_id = ? AND a.outcome = 'retry'")
              .get(sandbox.emailChannelId) as { n: number }
          ).n,
      );
    if (!(await waitFor(() => failedAttempts() >= keys.length, 30_000, 250))) failures.push("no failed e-mail attempt was recorded while SMTP was down");
    const whileDown = failedAttempts();
    sink = await startSmtp(smtpPort);
    const up = Date.now();
    const all = await waitFor(() => keys.every((k) => sink!.mails.some((m) => m.subject.includes(k))), 60_000, 250);
    const seconds = Math.round((Date.now() - up) / 100) / 10;
    if (!all) failures.push(`only ${sink.mails.length} of ${keys.length} e-mails arrived after SMTP came back`);
    // A mail reaches the SMTP server a moment before the worker records its outcome (written in
    // batches, within 25 ms): the statuses are given a few seconds to catch up, not read once.
    const statusesOf = () =>
      withDatabase(
        sandbox,
        (sqlite) => sqlite.prepare("SELECT status FROM deliveries WHERE channel_id = ?").all(sandbox.emailChannelId) as { status: string }[],
      );
    await waitFor(() => statusesOf().every((s) => s.status === "delivered"), 5_000, 100);
    const statuses = statusesOf();
    if (!statuses.length || statuses.some((s) => s.status !== "delivered")) failures.push(`e-mail deliveries: ${statuses.map((s) => s.status).join(", ")}`);
    return {
      figures: { events: keys.length, failedAttemptsWhileDown: whileDown, mailsAfterUp: sink.mails.length, secondsToDeliverAfterUp: seconds },
      failures,
    };
  } finally {
    await stopServer(server);
    await sink?.close();
  }
}

// --- full disk ----------------------------------------------------------------------

export type DiskFigures = {
  tmpfs: string;
  acceptedBeforeFull: number;
  answered503: number;
  answered5xxOther: number;
  /** From the first 503 of ingest to /api/health answering 503 and herald_storage_healthy 0 (must be within 5 s). */
  unhealthyShownAfterMs: number | null;
  /** From a restart (after kill -9) on the still-full disk to health and metrics saying so. */
  unhealthyAfterRestartMs: number | null;
  /** From the space returning to health 200 and herald_storage_healthy 1. */
  healthyAgainAfterMs: number | null;
  acceptedAfterSpaceReturned: number;
  storageUnhealthyEvents: number;
};

const SHOWN_WITHIN_MS = 5_000;

/** How long until /api/health and /metrics both say `healthy` (or both say not), up to `ceilingMs`; null if they never do. */
async function storageShown(server: Server, healthy: boolean, ceilingMs: number): Promise<number | null> {
  const started = Date.now();
  const shown = await waitFor(
    async () => {
      try {
        const [health, metrics] = await Promise.all([fetch(`${server.url}/api/health`), fetch(`${server.url}/api/metrics`).then((r) => r.text())]);
        return (health.status === 200) === healthy && new RegExp(`^herald_storage_healthy ${healthy ? 1 : 0}$`, "m").test(metrics);
      } catch {
        return false; // no answer is not an answer either way
      }
    },
    ceilingMs,
    100,
  );
  return shown ? Date.now() - started : null;
}

/**
 * A data dir on a small tmpfs: filled up, ingest must answer 503 (never 500), health and metrics must say so within 5 s —
 * also after a kill -9 and a restart on the still-full disk — and nothing acknowledged is lost when space returns.
 */
export async function fullDisk(receiver: Receiver, logDir: string): Promise<Outcome<DiskFigures> | { skipped: string }> {
  const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), "herald-hardening-disk-"));
  const size = "24m";
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", mountPoint], { stdio: "pipe" });
  } catch (e) {
    fs.rmSync(mountPoint, { recursive: true, force: true });
    return {
      skipped: `cannot mount a tmpfs here (${((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim()}); the full-disk run needs root and mount rights`,
    };
  }
  const failures: string[] = [];
  let server: Server | undefined;
  try {
    const sandbox = await createSandbox("disk", { hookUrl: receiver.url, dataDir: mountPoint });
    server = await startServer(sandbox, path.join(logDir, "disk-server.log"));
    const acked = new Set<string>();
    let sequence = 0;
    const batch = () => Array.from({ length: 20 }, () => `disk-${++sequence}`);
    let acceptedBefore = 0;
    for (let i = 0; i < 3; i++) {
      const answer = await ingest(server, sandbox, batch());
      answer.ids.forEach((id) => acked.add(id));
      if (answer.status === 202) acceptedBefore += answer.ids.length;
    }
    const filler = path.join(mountPoint, "filler");
    fillDisk(filler);
    let answered503 = 0;
    let other5xx = 0;
    for (let i = 0; i < 300 && answered503 < 5; i++) {
      const answer = await ingest(server, sandbox, batch());
      if (answer.status === 202) answer.ids.forEach((id) => acked.add(id));
      else if (answer.status === 503) answered503++;
      else if (answer.status >= 500 || answer.status === 0) other5xx++;
    }
    if (answered503 === 0) failures.push("ingest never answered 503 on a full disk");
    if (other5xx) failures.push(`ingest answered ${other5xx} other 5xx (or no answer) on a full disk`);
    // Measured from now, after the 503s: what a monitor polling health and metrics sees during the outage.
    const unhealthyShownAfterMs = await storageShown(server, false, SHOWN_WITHIN_MS);
    if (unhealthyShownAfterMs === null) failures.push(`/api/health and herald_storage_healthy did not show the full disk within ${SHOWN_WITHIN_MS} ms`);
    // A process killed during the outage: its successor, started on the still-full disk, must say so without waiting for a write.
    await killServer(server);
    server = await startServer(sandbox, path.join(logDir, "disk-server-restarted.log"), {}, { unhealthy: true });
    const unhealthyAfterRestartMs = await storageShown(server, false, SHOWN_WITHIN_MS);
    if (unhealthyAfterRestartMs === null) failures.push(`after a restart on the full disk, health and metrics did not show it within ${SHOWN_WITHIN_MS} ms`);
    fs.rmSync(filler);
    const healthyAgainAfterMs = await storageShown(server, true, 60_000);
    if (healthyAgainAfterMs === null) failures.push("health and metrics did not turn healthy within 60 s of the space returning");
    let acceptedAfter = 0;
    for (let i = 0; i < 10; i++) {
      const answer = await ingest(server, sandbox, batch());
      if (answer.status === 202) {
        answer.ids.forEach((id) => acked.add(id));
        acceptedAfter += answer.ids.length;
      }
      await sleep(200);
    }
    if (acceptedAfter === 0) failures.push("ingest did not recover once space returned");
    if (!(await waitFor(() => [...acked].every((id) => receiver.events.has(id)), 60_000, 250))) {
      failures.push(`${[...acked].filter((id) => !receiver.events.has(id)).length} acknowledged events were not delivered after space returned`);
    }
    const storageUnhealthy = withDatabase(
      sandbox,
      (sqlite) => (sqlite.prepare("SELECT count(*) AS n FROM events WHERE type = 'storage.unhealthy'").get() as { n: number }).n,
    );
    await stopServer(server);
    server = undefined;
    const integrity = integrityCheck(sandbox);
    if (integrity !== "ok") failures.push(`integrity_check after the full disk: ${integrity}`);
    return {
      figures: {
        tmpfs: size,
        acceptedBeforeFull: acceptedBefore,
        answered503,
        answered5xxOther: other5xx,
        unhealthyShownAfterMs,
        unhealthyAfterRestartMs,
        healthyAgainAfterMs,
        acceptedAfterSpaceReturned: acceptedAfter,
        storageUnhealthyEvents: storageUnhealthy,
      },
      failures,
    };
  } finally {
    if (server) await killServer(server);
    try {
      execFileSync("umount", [mountPoint], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", mountPoint], { stdio: "pipe" });
    }
    fs.rmSync(mountPoint, { recursive: true, force: true });
  }
}

/** Writes until the file system refuses another byte. */
function fillDisk(file: string) {
  const fd = fs.openSync(file, "w");
  try {
    for (const chunk of [1024 * 1024, 4096, 64]) {
      const buffer = Buffer.alloc(chunk, 1);
      for (;;) {
        try {
          fs.writeSync(fd, buffer);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw e;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
