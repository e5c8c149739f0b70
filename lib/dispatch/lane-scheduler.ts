import type { ChannelType } from "@/db/schema/values";
import { definitionOf } from "@/lib/channels/definitions";
import type { Job } from "./attempt";
import { Lane } from "./lanes";
import { CONNECTIONS_PER_ORIGIN } from "./policy";

/**
 * Which claimed delivery starts when, in memory (the delivery engine's lane
 * scheduler; lib/dispatch/dispatcher.ts owns the database side): one lane per
 * channel, paced by its type's policy and by what its receiver said; at most
 * `concurrency` sends at once across lanes, and never more to one origin than
 * the agent has connections to it (CONNECTIONS_PER_ORIGIN), so no send waits
 * in undici's queue for one. Lanes take turns, one start each per pass, so one
 * busy channel cannot take every slot.
 */
export type LaneSchedulerHooks = {
  /** Sends one job (never throws). */
  run(lane: Lane<Job>, job: Job): Promise<void>;
  /** A send finished and its slot is free (also once stopping); `laneWasFull` says its lane had stopped taking claims. */
  settled(job: Job, laneWasFull: boolean): void;
  /** Whether new sends may start (false once the engine stops). */
  accepting(): boolean;
};

export class LaneScheduler {
  private readonly lanes = new Map<string, Lane<Job>>();
  /** Lanes with deliveries waiting to start: pump() looks at these only (there may be thousands of idle lanes). */
  private readonly waiting = new Set<Lane<Job>>();
  private readonly originInFlight = new Map<string, number>();
  private pumpTimer: { at: number; timer: NodeJS.Timeout } | undefined;
  private drainWaiters: (() => void)[] = [];
  /** Sends in flight, across lanes. */
  inFlight = 0;

  constructor(
    private readonly concurrency: number,
    private readonly hooks: LaneSchedulerHooks,
  ) {}

  lane(channelId: string): Lane<Job> | undefined {
    return this.lanes.get(channelId);
  }

  /** Channels whose lane holds as much as it may: the next claim skips them. */
  fullChannels(): string[] {
    return [...this.lanes.values()].filter((l) => l.full).map((l) => l.channelId);
  }

  /** Channels with deliveries waiting to start. */
  waitingChannels(): string[] {
    return [...this.waiting].map((l) => l.channelId);
  }

  /** Queues a claimed job in its channel's lane (made with its type's policy if new). */
  enqueue(job: Job, type: ChannelType, origin: string | null) {
    const { channelId } = job.delivery;
    let lane = this.lanes.get(channelId);
    if (!lane) this.lanes.set(channelId, (lane = new Lane(channelId, definitionOf(type).lane)));
    lane.origin = origin;
    lane.queue.push(job);
    this.waiting.add(lane);
  }

  /** Takes a lane's unstarted jobs out (released: they go back to the queue). */
  takeQueued(lane: Lane<Job>): Job[] {
    this.waiting.delete(lane);
    return lane.queue.splice(0);
  }

  /** Takes every lane's unstarted jobs out, and stops timing starts (the engine stops). */
  takeAllQueued(): Job[] {
    if (this.pumpTimer) clearTimeout(this.pumpTimer.timer);
    this.pumpTimer = undefined;
    return [...this.lanes.values()].flatMap((lane) => this.takeQueued(lane));
  }

  /** Resolves once no send is in flight. */
  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Starts every job whose lane and the global limit allow it; times the next paced start. */
  pump() {
    if (!this.hooks.accepting()) return; // stopping: what is queued is handed back, not started
    const now = Date.now();
    let soonest = Infinity;
    let started = true;
    while (started && this.inFlight < this.concurrency) {
      started = false;
      for (const lane of this.waiting) {
        if (this.inFlight >= this.concurrency) break;
        if (lane.inFlight >= lane.policy.maxInFlight) continue;
        // Its origin has as many in flight as connections (several channels, one receiver): the next settle pumps again.
        const origin = lane.origin;
        if (origin !== null && (this.originInFlight.get(origin) ?? 0) >= CONNECTIONS_PER_ORIGIN) continue;
        const wait = lane.waitMs(now);
        if (wait > 0) {
          soonest = Math.min(soonest, wait);
          continue;
        }
        if (lane.shared) {
          // One slot reservation at a time per lane: the next is asked for once this one's time has come.
          if (lane.starting) continue;
          lane.starting = true;
        }
        const job = lane.queue.shift()!;
        if (!lane.queue.length) this.waiting.delete(lane);
        if (!lane.shared) lane.reserve(now);
        lane.inFlight++;
        this.inFlight++;
        if (origin !== null) this.originInFlight.set(origin, (this.originInFlight.get(origin) ?? 0) + 1);
        started = true;
        void this.hooks.run(lane, job).finally(() => this.settle(lane, job, origin));
      }
    }
    if (soonest < Infinity) {
      const at = now + soonest;
      if (!this.pumpTimer || this.pumpTimer.at > at) {
        if (this.pumpTimer) clearTimeout(this.pumpTimer.timer);
        this.pumpTimer = { at, timer: setTimeout(() => ((this.pumpTimer = undefined), this.pump()), soonest) };
      }
    }
  }

  private settle(lane: Lane<Job>, job: Job, origin: string | null) {
    const laneWasFull = lane.full;
    lane.inFlight--;
    this.inFlight--;
    if (origin !== null) {
      const left = this.originInFlight.get(origin)! - 1;
      if (left > 0) this.originInFlight.set(origin, left);
      else this.originInFlight.delete(origin);
    }
    // Unpaced lanes are forgotten when idle; paced, held or slowed-down ones keep their timing (one per such channel).
    if (lane.idle()) this.lanes.delete(lane.channelId);
    if (this.inFlight === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
    this.pump();
    this.hooks.settled(job, laneWasFull);
  }
}
