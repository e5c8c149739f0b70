import type { ChannelType } from "@/db/schema/values";
import type { RateLimitInfo } from "@/lib/channels/types";

/**
 * Per-channel pacing (DESIGN §5). Each channel gets a lane: its claimed
 * deliveries wait there, at most `maxInFlight` are sent at once, and message
 * starts are spaced by `intervalMs` — Slack 1 message/s, Teams ≤ 4/s,
 * Discord by the budget its rate-limit headers announce. A receiver's 429
 * Retry-After holds the whole lane, not only the delivery that got it.
 */

export type LanePolicy = {
  /** Sends at once to this channel. */
  maxInFlight: number;
  /** Minimum spacing between message starts. */
  intervalMs: number;
  /** Claimed deliveries this worker holds for the channel before it stops claiming more (lease safety). */
  maxBacklog: number;
};

export const LANE_POLICIES: Record<ChannelType, LanePolicy> = {
  slack: { maxInFlight: 1, intervalMs: 1000, maxBacklog: 20 },
  teams: { maxInFlight: 1, intervalMs: 250, maxBacklog: 80 },
  // Discord webhooks allow about 5 requests per 2 s; the headers refine it.
  discord: { maxInFlight: 1, intervalMs: 400, maxBacklog: 50 },
  email: { maxInFlight: 3, intervalMs: 0, maxBacklog: 60 },
  webhook: { maxInFlight: 256, intervalMs: 0, maxBacklog: 1000 },
  inbox: { maxInFlight: 64, intervalMs: 0, maxBacklog: 1000 },
};

export class Lane<T> {
  readonly queue: T[] = [];
  inFlight = 0;
  /** Earliest time the next message may start. */
  private nextFreeAt = 0;

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

  noteRateLimit(info: RateLimitInfo, now = Date.now()) {
    if (info.remaining <= 0) this.holdFor(info.resetAfterMs, now);
  }

  get full(): boolean {
    return this.queue.length + this.inFlight >= this.policy.maxBacklog;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
