import type { AttemptOutcome } from "@/db/schema/values";
import type { SendResult } from "@/lib/channels/types";

/**
 * Delivery policy (DESIGN §5, docs/delivery.md), in one place: how long an
 * attempt may take, how many go out at once, what is retried and when, and
 * how long a receiver may hold a channel. Constants and pure decisions only:
 * this module imports nothing at run time (types only), so lib/net,
 * lib/channels and lib/dispatch all read it without an import cycle.
 */

// ── Time ────────────────────────────────────────────────────────────────────

/**
 * Per-attempt limit (DESIGN §5: 15 s): the receiver's time, from the request written to the answer read;
 * connecting gets as long again. Each SMTP phase (connecting, the greeting, a silent socket) gets it too.
 */
export const ATTEMPT_TIMEOUT_MS = 15_000;

/** The longest one attempt can take: connecting, then the receiver's time, each bounded by the timeout. */
export const attemptBudgetMs = (timeoutMs: number = ATTEMPT_TIMEOUT_MS) => 2 * timeoutMs;

/** What stop() waits for sends in flight beyond the attempt limit (20 s by default, docs/delivery.md); later ones keep their leases (at-least-once). */
const STOP_GRACE_EXTRA_MS = 5_000;
export const stopGraceMs = (timeoutMs: number = ATTEMPT_TIMEOUT_MS) => timeoutMs + STOP_GRACE_EXTRA_MS;

/** A claim's lease (docs/delivery.md: 2 minutes): a crashed worker's deliveries go out again that long after. */
export const LEASE_MS = 120_000;

// ── Concurrency ─────────────────────────────────────────────────────────────

/**
 * Connections the agent opens to one origin, the most requests the dispatcher
 * hands one origin at once (whatever the channels behind it), and a webhook
 * lane's sends at once. Equal, so a request never waits in undici's queue for a
 * connection: that wait is not the receiver's time, and with a slow receiver it
 * grew past the attempt's limit and a delivery's lease (issue #17).
 */
export const CONNECTIONS_PER_ORIGIN = 256;

/** Sends in flight at once per worker, across every origin (docs/delivery.md: "stay at 256"). */
export const DISPATCH_CONCURRENCY = 256;

/** The SMTP pool's connections, and so an e-mail lane's sends at once (docs: "e-mail three at a time"): more would wait for a connection. */
export const SMTP_CONNECTIONS = 3;

export type LanePolicy = {
  /** Sends at once to this channel. */
  maxInFlight: number;
  /** Minimum spacing between message starts. */
  intervalMs: number;
  /** Claimed deliveries this worker holds for the channel before it stops claiming more (lease safety). */
  maxBacklog: number;
};

// Each channel type's own lane (Slack 1 message/s, Teams ≤ 4/s, Discord by its headers, the unpaced
// types by their sockets) is in its definition, lib/channels/<type>/index.ts, beside the receiver it is for.

// ── What is retried ─────────────────────────────────────────────────────────

/** What a receiver (or the way to it) answered, as the retry decision sees it. */
export type Answer =
  /** An HTTP status; `retryAfter`: the answer named a Retry-After. */
  | { http: number; retryAfter?: boolean }
  /** An SMTP reply code; undefined: no reply at all (the connection failed). */
  | { smtp: number | undefined }
  /** No answer: a timeout, a connection or DNS or TLS failure, or the address guard refused the target. */
  | { network: "timeout" | "error" | "refused" };

/**
 * `delivered`; `retry` per the schedule; `throttled`: back-pressure, retried
 * without spending an attempt; `failed`: retrying would not help; `gone`:
 * failed, and the channel is disabled.
 */
export type RetryDecision = "delivered" | "retry" | "throttled" | "failed" | "gone";

/** DESIGN §5 and docs/delivery.md's table "What counts as success, and what is retried". */
export function retryDecision(answer: Answer): RetryDecision {
  if ("network" in answer) return answer.network === "refused" ? "failed" : "retry"; // the guard's refusal would refuse again
  if ("smtp" in answer) {
    const code = answer.smtp;
    if (code === undefined) return "retry"; // no reply: a connection failure, temporary
    if (code >= 200 && code < 300) return "delivered";
    return code >= 400 && code < 500 ? "retry" : "failed"; // SMTP 4xx is temporary, 5xx final
  }
  const status = answer.http;
  if (status >= 200 && status < 300) return "delivered";
  if (status === 429 || (status === 503 && answer.retryAfter)) return "throttled"; // the receiver asks us to slow down: not a failure
  if (status === 410) return "gone"; // the receiver says the endpoint no longer exists
  if (status === 408 || status >= 500) return "retry"; // its own timeout or trouble: it may answer later
  return "failed"; // 1xx, 3xx (redirects are never followed), any other 4xx
}

/** Whether a decision sends the delivery again (a SendResult's `retryable`). */
export const isRetried = (decision: RetryDecision) => decision === "retry" || decision === "throttled";

/**
 * Whether a failed send is the receiver rate-limiting us rather than failing:
 * 429 (Slack's and Discord's rate limits among them), or a 503 with
 * Retry-After. Another refusal whose X-RateLimit-Remaining is 0 (a 400 that
 * spent the last of Discord's budget) is a failure; only its hold is kept.
 */
export function isThrottle(result: SendResult): boolean {
  if (result.ok || result.statusCode === undefined) return false;
  return retryDecision({ http: result.statusCode, retryAfter: result.retryAfterMs !== undefined }) === "throttled";
}

// ── When ────────────────────────────────────────────────────────────────────

/** Default waits (s) after the 1st, 2nd … failed attempt (DESIGN §5: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), then dead. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/** Default seconds a channel may stay failing before it is disabled (DESIGN §5: 5 days). */
export const DEFAULT_DISABLE_AFTER_S = 5 * 24 * 3600;

/** ±10 % so that deliveries failing together do not all come back in the same instant. */
const JITTER = 0.1;

/** Hold of a throttle that names no time (a bare 429): docs/delivery.md, "1 s when a 429 names none". */
const DEFAULT_HOLD_MS = 1_000;

/** The slowest pace (one message a minute), and the cap on a success's spent-budget hold: a slower receiver is held by its Retry-After. */
export const MAX_PACE_MS = 60_000;

/** The schedule's longest step: the cap on any wait a receiver asks for, so a hostile or broken one cannot park a delivery or a channel for a year. */
export const longestWaitMs = (schedule: readonly number[]) => Math.max(...schedule) * 1000;

/** The schedule's total: a delivery throttled for longer than this since its first throttle is dead (a receiver answering 429 forever still ends). */
export const scheduleTotalMs = (schedule: readonly number[]) => schedule.reduce((a, b) => a + b, 0) * 1000;

/** A wait a receiver asked for, in whole milliseconds within [0, capMs] (an asked-for eternity is the cap). */
export const cappedWaitMs = (askedMs: number, capMs: number) => Math.min(Math.max(0, Math.round(askedMs)), capMs);

/**
 * `Retry-After` in milliseconds as the receiver asked (RFC 9110 §10.2.3):
 * delta-seconds (a decimal is rounded up), or an HTTP date (a past one is 0).
 * Not capped here: the cap is the schedule's (`cappedWaitMs`, `longestWaitMs`).
 * Anything else is ignored (undefined) — an HTTP date names its month, so a
 * value without a letter that is not a number of seconds ("-1", "+5", "7.")
 * is garbage, not a date V8's lenient Date.parse happens to read.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (/^\d+\.\d+$/.test(text)) return Math.ceil(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * How long the receiver asked the channel to wait, capped: a throttle by the
 * schedule's longest step (its delivery waits that long), a success
 * announcing a spent budget (Discord's reset, seconds) by MAX_PACE_MS.
 */
export function holdMsOf(result: SendResult, schedule: readonly number[]): number {
  const asked = result.retryAfterMs ?? (result.rateLimit && result.rateLimit.remaining <= 0 ? result.rateLimit.resetAfterMs : DEFAULT_HOLD_MS);
  return cappedWaitMs(asked, result.ok ? MAX_PACE_MS : longestWaitMs(schedule));
}

/**
 * Milliseconds to wait before attempt `attemptNumber + 1`, or `null` when the
 * schedule is used up. A receiver's `Retry-After` on a real failure (a 5xx
 * other than a throttling 503) replaces the schedule's step (it knows when it
 * will be ready), capped at the schedule's longest wait as a throttle's hold
 * is. Throttles never get here: they spend no attempt (outcomeOf).
 */
export function retryDelayFor(
  attemptNumber: number,
  result: Pick<SendResult, "retryAfterMs">,
  schedule: readonly number[],
  random: () => number = Math.random,
): number | null {
  if (attemptNumber < 1 || attemptNumber > schedule.length) return null;
  if (result.retryAfterMs !== undefined && !Number.isNaN(result.retryAfterMs)) return cappedWaitMs(result.retryAfterMs, longestWaitMs(schedule));
  const stepMs = schedule[attemptNumber - 1] * 1000;
  return Math.round(stepMs * (1 - JITTER + 2 * JITTER * random()));
}

/**
 * The outcome of attempt `attemptNumber` (1-based) and, for a retry, when the
 * next one is due. A throttle (`isThrottle`) is back-pressure, not failure: the
 * delivery waits for the hold's end without spending an attempt — unless it has
 * been throttled for longer than the whole schedule since its first throttle
 * (`throttledSince`), so a receiver that answers 429 forever still ends.
 */
export function outcomeOf(
  attemptNumber: number,
  result: SendResult,
  schedule: readonly number[],
  now: number,
  throttledSince: number | null = null,
): { outcome: AttemptOutcome; nextAttemptAt?: number } {
  if (result.ok) return { outcome: "delivered" };
  if (isThrottle(result)) {
    if (throttledSince !== null && now - throttledSince >= scheduleTotalMs(schedule)) return { outcome: "dead" };
    return { outcome: "throttled", nextAttemptAt: now + holdMsOf(result, schedule) };
  }
  if (!result.retryable || result.gone) return { outcome: "failed" };
  const delay = retryDelayFor(attemptNumber, result, schedule);
  return delay === null ? { outcome: "dead" } : { outcome: "retry", nextAttemptAt: now + delay };
}

// ── Pace after a throttle (AIMD, lib/dispatch/backpressure.ts) ───────────────

/** First spacing of a channel that was unpaced when throttled (10/s, docs/delivery.md). */
export const THROTTLED_START_MS = 100;

/**
 * Additive increase, per second of successes: each success at rate r adds
 * SPEED_UP/r messages a second, so the rate grows by SPEED_UP each second
 * whatever it is (+1/s per success would grow it exponentially: r successes a
 * second, each adding 1/s — and a limited receiver would be overrun within
 * seconds of every slow-down).
 */
export const SPEED_UP = 5;

/** An unpaced type's channel below this spacing (200/s) is unpaced again. */
export const UNPACED_FLOOR_MS = 5;
