import type { RateLimitInfo } from "@/lib/channels/types";
import type { LanePolicy } from "./policy";

/**
 * Per-channel pacing (DESIGN §5). Each channel gets a lane: its claimed
 * deliveries wait there, at most `maxInFlight` are sent at once, and message
 * starts are spaced by `intervalMs` — Slack 1 message/s, Teams ≤ 4/s,
 * Discord by the budget its rate-limit headers announce. A receiver's 429
 * Retry-After holds the whole lane, not only the delivery that got it.
 *
 * The lane is this worker's view; the pace and the hold belong to the channel
 * row, shared by every worker (lib/dispatch/backpressure.ts): a `shared` lane
 * (a paced type, or a channel its receiver slowed down) takes each start slot
 * from the database, an unpaced one starts at once without a per-send write.
 * Each type's lane policy is in its definition (lib/channels/<type>/index.ts).
 */

export class Lane<T> {
  readonly queue: T[] = [];
  inFlight = 0;
  /** Earliest time the next message may start. */
  private nextFreeAt = 0;
  /** The channel's pace from the database (0: the type's policy); read at each claim. */
  paceMs = 0;
  /** A shared start slot is being reserved (one at a time per lane and worker). */
  starting = false;
  /** This worker's throttles still being written to the channel row, and when the last one got there. */
  private throttleWrites = 0;
  private throttleWrittenAt = 0;
  /** Where the channel's requests go (an HTTP channel's URL origin; null otherwise), for the dispatcher's per-origin bound. */
  origin: string | null = null;

  constructor(
    readonly channelId: string,
    readonly policy: LanePolicy,
  ) {}

  /** Milliseconds until a message may start (0: now). */
  waitMs(now = Date.now()): number {
    return Math.max(0, this.nextFreeAt - now);
  }

  /** Takes the next start slot; returns how long to wait for it. */
  reserve(now = Date.now()): number {
    const at = Math.max(now, this.nextFreeAt);
    this.nextFreeAt = at + this.policy.intervalMs;
    return at - now;
  }

  /** The receiver said when it will take more (429 Retry-After, or a spent rate-limit budget). */
  holdFor(ms: number, now = Date.now()) {
    this.nextFreeAt = Math.max(this.nextFreeAt, now + ms);
  }

  /**
   * The receiver throttled a send of this worker: the lane is paced (shared
   * slots) from now on, also before the channel row says so — its write is
   * `throttleWriting` until `throttleWritten`.
   */
  throttleWriting() {
    this.throttleWrites++;
    if (this.paceMs === 0) this.paceMs = 1; // shared from now on; the claim after the write reads the real pace
  }

  throttleWritten(now = Date.now()) {
    this.throttleWrites--;
    this.throttleWrittenAt = now;
  }

  /**
   * The channel row's pace, read at `readAt` (each claim). A read older than
   * this worker's own throttle's write says "unpaced" only because the write
   * had not landed: taken, it unpaced a throttled lane and the next start sent
   * a burst of `maxInFlight` (issue #17: 290 requests in a second at a 20/s
   * receiver on a starved machine). Such a read is ignored.
   */
  sharedPace(paceMs: number, readAt: number) {
    if (this.throttleWrites > 0 || readAt < this.throttleWrittenAt) return;
    this.paceMs = paceMs;
  }

  /** Nothing here that the next claim would not rebuild: no job, no send, no hold, no pace. */
  idle(now = Date.now()): boolean {
    return !this.queue.length && !this.inFlight && this.policy.intervalMs === 0 && this.paceMs === 0 && this.throttleWrites === 0 && this.waitMs(now) === 0;
  }

  noteRateLimit(info: RateLimitInfo, now = Date.now()) {
    if (info.remaining <= 0) this.holdFor(info.resetAfterMs, now);
  }

  /** Starts take slots from the channel row (paced type, or the receiver slowed it down). */
  get shared(): boolean {
    return this.policy.intervalMs > 0 || this.paceMs > 0;
  }

  get full(): boolean {
    return this.queue.length + this.inFlight >= this.policy.maxBacklog;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
