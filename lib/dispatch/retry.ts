import type { SendResult } from "@/lib/channels/types";

/**
 * What happens after an attempt (DESIGN §5): delivered, retried after the
 * schedule, or given up on. The schedule lists the waits in seconds after the
 * 1st, 2nd, … failed attempt; once it is used up the delivery is `dead`.
 */

export type AttemptOutcome = "delivered" | "retry" | "failed" | "dead";

/** ±10 % so that deliveries failing together do not all come back in the same instant. */
const JITTER = 0.1;

/**
 * Milliseconds to wait before attempt `attemptNumber + 1`, or `null` when the
 * schedule is used up. A receiver's `Retry-After` replaces the schedule's step
 * (it knows when it will be ready) but never exceeds the schedule's longest
 * wait, so a hostile or broken receiver cannot park a delivery for a year.
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

/** The outcome of attempt `attemptNumber` (1-based) and, for a retry, when the next one is due. */
export function outcomeOf(
  attemptNumber: number,
  result: SendResult,
  schedule: readonly number[],
  now: number,
): { outcome: AttemptOutcome; nextAttemptAt?: number } {
  if (result.ok) return { outcome: "delivered" };
  if (!result.retryable || result.gone) return { outcome: "failed" };
  const delay = retryDelayFor(attemptNumber, result, schedule);
  return delay === null ? { outcome: "dead" } : { outcome: "retry", nextAttemptAt: now + delay };
}
