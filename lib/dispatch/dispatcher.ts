import os from "node:os";
import crypto from "node:crypto";
import type { Poster } from "@/lib/net/post";
import { channelModule } from "@/lib/channels/registry";
import type { Db } from "@/db/client";
import { env } from "@/lib/env";
import { log } from "@/lib/log";
import { attemptDelivery, type Job } from "./attempt";
import { channelPacing, holdChannel, takeSendSlot } from "./backpressure";
import { nextDueAt, recordAndClaim, renewLeases } from "./claim";
import { LaneScheduler } from "./lane-scheduler";
import { sleep, type Lane } from "./lanes";
import { attemptBudgetMs, DISPATCH_CONCURRENCY, LEASE_MS, stopGraceMs } from "./policy";
import { ChannelCache, loadDeliveryEvents, type LoadedChannel } from "./load";
import { recordOutcomes, recordOutcomesApart, type HealthChange, type OutcomeRecord } from "./outcomes";
import { releaseDeadPredecessorLeases } from "./recovery";
import { isPassingDbFailure, recoverStorageHealth, reportStorageFailure, rootError, storageFailure } from "./storage-health";

/**
 * The one delivery engine behind all three runners (in-process worker,
 * `herald worker`, POST /api/dispatch): claims due deliveries in batches,
 * hands them to its lane scheduler (lib/dispatch/lane-scheduler.ts: which
 * starts when, concurrently across channels and paced within each), and
 * records the outcomes in batched transactions. This file is the database
 * side — claim, flush and lease renewal, one transaction at a time — and the
 * lifecycle (start, wake, idle, stop).
 */

export type DispatcherOptions = {
  db: Db;
  /** Lease owner name; unique per process unless given. */
  owner?: string;
  /** Sends in flight at once, across all channels (DISPATCH_CONCURRENCY unless given). */
  concurrency?: number;
  leaseMs?: number;
  /** Most deliveries claimed in one transaction. */
  batchSize?: number;
  /** Per-attempt limit: the receiver's time, from the request written to the answer read (15 s unless given). */
  timeoutMs?: number;
  /** How POSTs are sent (lib/channels/types.ts SendContext.poster): the worker's sending thread, a test's agent; the guarded shared agent unless given. */
  poster?: Poster;
  /** Longest idle sleep when nothing says when work is next due. */
  pollMs?: number;
  retrySchedule?: readonly number[];
  disableAfterMs?: number;
  /** How long stop() waits for sends in flight before leaving their leases to expire (the attempt limit + 5 s unless given). */
  stopGraceMs?: number;
  /** Claim only these deliveries (a test alert's own, sent right away; lib/test-alert). */
  onlyDeliveries?: readonly string[];
};

export type DispatchCounts = {
  claimed: number;
  delivered: number;
  retried: number;
  /** Throttled by the receiver (back-pressure): queued again for the hold's end, no attempt spent. */
  throttled: number;
  failed: number;
  dead: number;
  released: number;
};

const FLUSH_MS = 25;
/** How often claims also look for deliveries whose lease expired (a worker died): a delay on top of the 2-minute lease. */
const EXPIRED_LEASE_CHECK_MS = 5_000;
/** A receiver's hold longer than this hands the lane's unstarted deliveries back to the queue. */
const RELEASE_HOLD_MS = 5_000;
/** A claimed delivery is not started unless its lease outlives the attempt by this much. */
const LEASE_MARGIN_MS = 2_000;

/** The origin an HTTP channel's requests go to (null: e-mail, the inbox, a channel that cannot be read). */
function originOf(loaded: LoadedChannel): string | null {
  if (!("channel" in loaded)) return null;
  const url = channelModule(loaded.channel.type).targetUrl?.(loaded.channel);
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null; // its send fails and says why
  }
}

function defaultOwner(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString("hex")}`;
}

export class DeliveryDispatcher {
  readonly owner: string;
  readonly counts: DispatchCounts = { claimed: 0, delivered: 0, retried: 0, throttled: 0, failed: 0, dead: 0, released: 0 };
  private readonly db: Db;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly maxHeld: number;
  private readonly timeoutMs: number | undefined;
  /** The longest an attempt can take: connecting, then the receiver's time, each bounded by the timeout. */
  private readonly attemptBudgetMs: number;
  private readonly poster: Poster | undefined;
  private readonly pollMs: number;
  private readonly schedule: readonly number[];
  private readonly disableAfterMs: number;
  private readonly stopGraceMs: number;
  private readonly publicUrl: string;
  private readonly onlyDeliveries: readonly string[] | undefined;
  private readonly channels = new ChannelCache();
  /** When each claimed delivery starts (lanes, pacing, the limits on sends at once). */
  private readonly scheduler: LaneScheduler;
  private readonly disabledChannels = new Set<string>();
  private pending: OutcomeRecord[] = [];
  /** Claimed deliveries this worker holds (waiting in a lane or being sent), by id. */
  private readonly heldJobs = new Map<string, Job>();
  private accepting = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private tickQueued = false;
  /** The last claim filled all the room it had: more may be due, so each finished send claims again. */
  private backlog = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  /** Every lease this worker holds runs at least until then (the last renewal). */
  private renewedUntil = 0;
  private expiredLeasesCheckedAt = 0;
  /** The last claim that looked for expired leases filled its room: there may be more (a dead worker's whole backlog). */
  private expiredBacklog = false;
  /**
   * The database work of this worker, one piece at a time (claims, outcome
   * writes, lease renewals): each is a transaction, and they must not overlap
   * — on SQLite they share one connection. A tick or flush asked for while one
   * is queued joins it instead of queueing another.
   */
  private dbChain: Promise<void> = Promise.resolve();
  private tickInChain = false;
  private flushInChain = false;
  private idleWaiters: (() => void)[] = [];

  constructor(options: DispatcherOptions) {
    const e = env();
    this.db = options.db;
    this.owner = options.owner ?? defaultOwner();
    this.attemptBudgetMs = attemptBudgetMs(options.timeoutMs);
    // A lease shorter than one attempt would hand every delivery back unsent.
    this.leaseMs = Math.max(options.leaseMs ?? LEASE_MS, this.attemptBudgetMs + 3 * LEASE_MARGIN_MS);
    this.batchSize = options.batchSize ?? 500;
    this.maxHeld = Math.max(this.batchSize, (options.concurrency ?? DISPATCH_CONCURRENCY) * 2);
    this.timeoutMs = options.timeoutMs;
    this.poster = options.poster;
    this.pollMs = options.pollMs ?? 5_000;
    this.schedule = options.retrySchedule ?? e.HERALD_RETRY_SCHEDULE;
    this.disableAfterMs = options.disableAfterMs ?? e.HERALD_DISABLE_AFTER * 1000;
    this.stopGraceMs = options.stopGraceMs ?? stopGraceMs(options.timeoutMs);
    this.publicUrl = e.publicUrl;
    this.onlyDeliveries = options.onlyDeliveries;
    this.scheduler = new LaneScheduler(options.concurrency ?? DISPATCH_CONCURRENCY, {
      run: (lane, job) => this.run(lane, job),
      settled: (job, laneWasFull) => this.settled(job, laneWasFull),
      accepting: () => this.accepting,
    });
  }

  /** Starts claiming; keeps going (woken by `wake()`, the timer of the next due delivery, or the poll) until stop(). */
  start() {
    this.accepting = true;
    this.renewTimer = setInterval(() => this.renew(), Math.max(1_000, Math.floor(this.leaseMs / 3)));
    // Before the first claim: what a crashed process of this host held goes out now, not when its lease expires
    // (not for a test alert's own sends, which claim only their deliveries).
    if (!this.onlyDeliveries) void this.inChain(() => this.releaseDeadLeases());
    this.tick();
  }

  private async releaseDeadLeases() {
    try {
      const released = await releaseDeadPredecessorLeases(this.db);
      if (released > 0) log.info("dispatch: released the leases of dead processes on this host", { released });
    } catch (e) {
      if (!reportStorageFailure(e)) log.error("dispatch: releasing dead processes' leases failed", { error: (e as Error).message });
    }
  }

  /** New work may be due (an event was ingested, a channel re-enabled, a retry requested). */
  wake() {
    if (!this.accepting || this.tickQueued) return;
    // Many wakes in one turn of the event loop (a burst of ingests) make one claim.
    this.tickQueued = true;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    setImmediate(() => {
      this.tickQueued = false;
      this.tick();
    });
  }

  /** Resolves the next time nothing is due and nothing is held. */
  idle(): Promise<void> {
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops claiming, hands back what it holds but has not started, waits (a
   * bounded time) for sends in flight, and writes their outcomes. Sends still
   * running after the grace keep their leases, which expire: at-least-once.
   */
  async stop(): Promise<void> {
    this.accepting = false;
    clearTimeout(this.wakeTimer);
    // A claim under way finishes first: what it took is queued (not started, as nothing is
    // accepted) and handed back below, instead of held unsent until its lease runs out.
    await this.dbChain;
    this.release(this.scheduler.takeAllQueued());
    if (this.scheduler.inFlight > 0) {
      // The grace timer is cleared once the sends drained: left running it kept the process alive for the whole grace.
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([this.scheduler.drained(), new Promise<void>((r) => (graceTimer = setTimeout(r, this.stopGraceMs)))]);
      clearTimeout(graceTimer);
    }
    await this.flush();
    clearTimeout(this.flushTimer);
    clearInterval(this.renewTimer);
    await this.dbChain;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private get held(): number {
    return this.heldJobs.size;
  }

  /** Runs database work after what is already queued; its failure is logged by the work itself. */
  private inChain(work: () => Promise<void>): Promise<void> {
    this.dbChain = this.dbChain.then(work).catch((e) => log.error("dispatch: unexpected failure", { error: (e as Error).message }));
    return this.dbChain;
  }

  private renew() {
    if (this.held === 0) return;
    void this.inChain(async () => {
      const now = Date.now();
      try {
        await renewLeases(this.db, this.owner, this.leaseMs, now);
        this.renewedUntil = now + this.leaseMs;
      } catch (e) {
        if (!reportStorageFailure(e)) log.error("dispatch: renewing leases failed", { error: (e as Error).message });
      }
    });
  }

  private tick = () => {
    if (!this.accepting || this.tickInChain) return;
    this.tickInChain = true;
    void this.inChain(async () => {
      this.tickInChain = false;
      await this.tickNow();
    });
  };

  private async tickNow() {
    if (!this.accepting) return;
    if (storageFailure()) await recoverStorageHealth(this.db);
    if (this.held > this.maxHeld / 2) {
      this.backlog = true; // there may be work due: the next finished sends claim it
      return;
    }
    try {
      await this.fill();
    } catch (e) {
      if (!reportStorageFailure(e)) log.error("dispatch: claim failed", { error: (e as Error).message });
      this.scheduleWake(1_000);
      return;
    }
    if (this.backlog) return; // every finished send claims again
    if (this.held === 0) {
      await this.flushNow();
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
    let next: number | null = null;
    try {
      next = await nextDueAt(this.db);
    } catch {
      // the poll below covers it
    }
    // Due already but not claimed: it waits for a full lane here, whose next finished send claims again.
    const now = Date.now();
    this.scheduleWake(next === null || next <= now ? this.pollMs : Math.min(this.pollMs, next - now + 5));
  }

  private scheduleWake(ms: number) {
    if (!this.accepting) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.tick();
    }, ms);
  }

  /** Claims one batch and queues it in the channel lanes; returns how many were claimed. */
  private async fill(): Promise<number> {
    const room = Math.min(this.batchSize, this.maxHeld - this.held);
    if (room <= 0) return 0;
    const skipChannels = this.scheduler.fullChannels();
    const now = Date.now();
    const expiredLeases = this.expiredBacklog || now - this.expiredLeasesCheckedAt >= EXPIRED_LEASE_CHECK_MS;
    if (expiredLeases) this.expiredLeasesCheckedAt = now;
    // The outcomes waiting to be written go in the claim's transaction: one commit instead of two.
    const outcomes = this.pending;
    this.pending = [];
    const claim = (records: OutcomeRecord[]) =>
      recordAndClaim(this.db, records, {
        owner: this.owner,
        limit: room,
        leaseMs: this.leaseMs,
        now,
        skipChannels,
        onlyIds: this.onlyDeliveries,
        expiredLeases,
        disableAfterMs: this.disableAfterMs,
      });
    let result: Awaited<ReturnType<typeof recordAndClaim>>;
    try {
      result = await claim(outcomes);
    } catch (e) {
      // Nothing of the transaction was kept. Storage away or contention: the outcomes wait for the next write.
      if (outcomes.length === 0 || isPassingDbFailure(e)) {
        this.pending = outcomes.concat(this.pending);
        this.scheduleFlush();
        throw e;
      }
      // Something the claim carried may be refused every time: written apart, it cannot stop the claims.
      await this.recordApart(outcomes);
      result = await claim([]);
    }
    const { claimed, changes } = result;
    this.expiredBacklog = expiredLeases && claimed.length === room;
    await this.applyHealthChanges(changes);
    this.backlog = claimed.length === room;
    if (claimed.length === 0) return 0;
    this.counts.claimed += claimed.length;
    const channels = await this.channels.load(
      this.db,
      claimed.map((d) => d.channelId),
    );
    const pacingReadAt = Date.now();
    const pacing = await channelPacing(this.db, [...new Set([...claimed.map((d) => d.channelId), ...this.scheduler.waitingChannels()])]);
    const events = await loadDeliveryEvents(this.db, claimed, this.publicUrl);
    const origins = new Map([...channels].map(([id, channel]) => [id, originOf(channel)]));
    for (const delivery of claimed) {
      const already = this.heldJobs.get(delivery.id);
      if (already) {
        // Our own lease ran out while the job waited and we claimed it again: one job, the newer lease.
        already.delivery.leasedUntil = delivery.leasedUntil;
        continue;
      }
      this.disabledChannels.delete(delivery.channelId);
      const channel = channels.get(delivery.channelId) ?? { error: "the channel was deleted" };
      const type = "channel" in channel ? channel.channel.type : "webhook";
      const job = { delivery, channel, events: events.get(delivery.id) ?? [] };
      this.scheduler.enqueue(job, type, origins.get(delivery.channelId) ?? null);
      this.heldJobs.set(delivery.id, job);
    }
    // Another worker's hold or slow-down reaches this one here, at its next claim (no per-send read).
    for (const [channelId, { paceMs, sendNotBefore }] of pacing) {
      const lane = this.scheduler.lane(channelId);
      if (!lane) continue;
      lane.sharedPace(paceMs, pacingReadAt);
      if (sendNotBefore !== null && sendNotBefore > now) this.hold(lane, sendNotBefore);
    }
    this.scheduler.pump();
    return claimed.length;
  }

  /** A send finished: this worker no longer holds it, and more may be claimed. */
  private settled(job: Job, laneWasFull: boolean) {
    this.heldJobs.delete(job.delivery.id);
    if (!this.accepting) return;
    // Without a backlog, new work arrives through wake() (ingest, retry, re-enable) or the
    // timer of the next due delivery; claiming after every send would cost a write
    // transaction each for nothing.
    if (this.backlog || laneWasFull || this.held === 0) this.tick();
  }

  /** Hands claimed, unstarted jobs back to the queue (written with the next outcomes). */
  private release(jobs: Job[]) {
    for (const job of jobs) {
      this.pending.push({ kind: "release", deliveryId: job.delivery.id });
      this.counts.released++;
      this.heldJobs.delete(job.delivery.id);
    }
    this.scheduleFlush();
  }

  private async run(lane: Lane<Job>, job: Job) {
    const { delivery } = job;
    const at = Date.now();
    if (this.disabledChannels.has(delivery.channelId) || at + this.attemptBudgetMs + LEASE_MARGIN_MS > Math.max(delivery.leasedUntil, this.renewedUntil)) {
      // Disabled meanwhile, or the lease would run out mid-send: hand it back unsent.
      this.pending.push({ kind: "release", deliveryId: delivery.id });
      this.counts.released++;
      this.scheduleFlush();
      return;
    }
    if (lane.shared) {
      await this.waitForSlot(lane);
      lane.starting = false;
      this.scheduler.pump();
    }
    const pace = () => (lane.shared ? this.waitForSlot(lane) : sleep(lane.reserve()));
    const record = await attemptDelivery(job, pace, { db: this.db, schedule: this.schedule, timeoutMs: this.timeoutMs, poster: this.poster });
    this.counts[record.outcome === "retry" ? "retried" : record.outcome]++;
    if (record.hold && "channel" in job.channel) {
      const { hold } = record;
      if (hold.throttle) lane.throttleWriting();
      this.hold(lane, hold.untilMs);
      // On the channel row, for every worker; a failure to write it leaves this worker's own hold in place.
      const channel = { id: delivery.channelId, baseIntervalMs: lane.policy.intervalMs };
      holdChannel(this.db, channel, hold.untilMs, { throttle: hold.throttle, startedAt: record.at })
        .catch((e) => {
          if (!reportStorageFailure(e))
            log.error("dispatch: holding a throttled channel failed", { channelId: delivery.channelId, error: (e as Error).message });
        })
        .finally(() => hold.throttle && lane.throttleWritten());
    }
    this.pending.push(record);
    if (this.pending.length >= this.batchSize) void this.flush();
    else this.scheduleFlush();
  }

  /**
   * Waits for the channel's shared send slot and takes it (lib/dispatch/backpressure.ts).
   * If the database cannot be asked, this worker paces on its own (its lane's
   * spacing): a storage failure must not stop deliveries that can still go out.
   */
  private async waitForSlot(lane: Lane<Job>): Promise<void> {
    for (;;) {
      // This worker's own hold first (a throttle it just got, before the channel row has it).
      const held = lane.waitMs();
      if (held > 0) {
        await sleep(held);
        continue;
      }
      let wait: number;
      try {
        wait = await takeSendSlot(this.db, { id: lane.channelId, baseIntervalMs: lane.policy.intervalMs });
      } catch (e) {
        if (!reportStorageFailure(e)) log.error("dispatch: taking a send slot failed", { channelId: lane.channelId, error: (e as Error).message });
        wait = lane.reserve();
        if (wait > 0) await sleep(wait);
        return;
      }
      if (wait === 0) return;
      await sleep(wait);
    }
  }

  /**
   * The receiver holds the channel until `untilMs`: this worker's lane waits.
   * For a long hold, what it has claimed but not started goes back to the
   * queue (every worker's claims skip the channel until then) instead of
   * sitting out the hold under renewed leases; a short one is waited out in
   * the lane, in order, without a release and a claim again.
   */
  private hold(lane: Lane<Job>, untilMs: number) {
    const now = Date.now();
    lane.holdFor(untilMs - now, now);
    if (lane.queue.length && untilMs - now > RELEASE_HOLD_MS) this.release(this.scheduler.takeQueued(lane));
  }

  private scheduleFlush() {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, FLUSH_MS);
  }

  /** After outcomes were written: a channel the failures disabled gets nothing more from this worker. */
  private async applyHealthChanges(changes: HealthChange[]) {
    for (const change of changes) {
      // A channel back to healthy had its waiting retries pulled forward (outcomes.ts): claim them.
      if (change.to === "healthy") this.wake();
      if (change.to !== "disabled") continue;
      this.disabledChannels.add(change.channelId);
      const lane = this.scheduler.lane(change.channelId);
      if (lane) this.release(this.scheduler.takeQueued(lane));
    }
    if (storageFailure()) await recoverStorageHealth(this.db);
  }

  /** Writes the pending outcomes (after the database work already queued). */
  private flush(): Promise<void> {
    if (this.flushInChain) return this.dbChain;
    this.flushInChain = true;
    return this.inChain(async () => {
      this.flushInChain = false;
      await this.flushNow();
    });
  }

  /** Writes the pending outcomes in one transaction; on a storage failure keeps them and tries again. */
  private async flushNow() {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.applyHealthChanges(await recordOutcomes(this.db, this.owner, batch, { disableAfterMs: this.disableAfterMs }));
    } catch (e) {
      if (isPassingDbFailure(e)) this.keepForLater(batch, e);
      else await this.recordApart(batch);
    }
  }

  /** Outcomes a failure that may pass kept from being written: tried again in a second. */
  private keepForLater(batch: OutcomeRecord[], e: unknown) {
    this.pending = batch.concat(this.pending);
    if (!reportStorageFailure(e)) log.error("dispatch: recording outcomes failed", { error: String(rootError(e).message) });
    // Leases cover the wait; if this never succeeds they expire and the deliveries go out again.
    clearTimeout(this.flushTimer);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, 1_000);
  }

  /** Outcomes whose batch the database refused, one by one (outcomes.ts recordOutcomesApart): one bad record stops nothing else. */
  private async recordApart(batch: OutcomeRecord[]) {
    // It does not throw: each record's failure is caught, passing ones come back in `left`.
    const written = await recordOutcomesApart(this.db, this.owner, batch, { disableAfterMs: this.disableAfterMs });
    for (const { deliveryId, error } of written.setAside)
      log.error("dispatch: an outcome could not be recorded; its delivery is finished without it", { deliveryId, error });
    await this.applyHealthChanges(written.changes);
    if (written.left.length) this.keepForLater(written.left, written.failure);
  }
}
