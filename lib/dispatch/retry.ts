import type { SendResult } from "@/lib/channels/types";
import { holdMsOf, isThrottle, scheduleTotalMs } from "./backpressure";

/**
 * What happens after an attempt (DESIGN §5): delivered, retried after the
 * schedule, or given up on. The schedule lists the waits in seconds after the
 * 1st, 2nd, … failed attempt; once it is used up the delivery is `dead`.
 */

/** `throttled`: the receiver rate-limited us (lib/dispatch/backpressure.ts): queued again for the hold's end, no attempt spent. */
export type { AttemptOutcome } from "@/db/schema/values";
import type { AttemptOutcome } from "@/db/schema/values";

/** ±10 % so that deliveries failing together do not all come back in the same instant. */
const JITTER = 0.1;

/**
 * Milliseconds to wait before attempt `attemptNumber + 1`, or `null` when the
 * schedule is used up. A receiver's `Retry-After` on a real failure (a 5xx
 * other than a throttling 503) replaces the schedule's step (it knows when it
 * will be ready) but never exceeds the schedule's longest wait, so a hostile or
 * broken receiver cannot park a delivery for a year. Throttles (429, 503 with
 * Retry-After) never get here: they spend no attempt (outcomeOf).
 */
export function retryDelayFor(
  attemptNumber: number,
  result: Pick<SendResult, "retryAfterMs">,
  schedule: readonly number[],
  random: () => number = Math.random,
): number | null {
  if (attemptNumber < 1 || attemptNumber > schedule.length) return null;
  const capMs = Math.max(...schedule) * 1000;
  if (result.retryAfterMs !== undefined && Number.isFinite(result.retryAfterMs)) {
    return Math.min(Math.max(0, Math.round(result.retryAfterMs)), capMs);
  }
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
