import type { ChannelHealth } from "@/db/schema/values";

/**
 * Channel health (DESIGN §5): 5 consecutive failed attempts turn a channel
 * `failing` (failingSince: that moment); failing for HERALD_DISABLE_AFTER
 * (5 days) or a 410 Gone turns it `disabled` (no more sends, its deliveries wait); a success returns a failing
 * channel to `healthy`. A disabled channel stays disabled until someone
 * re-enables it — a stray success of a message already in flight does not
 * undo a 410.
 *
 * Throttles (429, 503 + Retry-After: lib/dispatch/policy.ts isThrottle) never get
 * here: they neither count toward failing nor end a streak of failures. A
 * rate-limited channel is `throttled` (set with its hold, no
 * integration.unhealthy); successes keep it so until its pace is back to its
 * type's, then it is `healthy` (backpressure.ts speedUp). That is the
 * hysteresis: a receiver alternating 429s and 200s never flaps the health.
 */

const FAILING_AFTER = 5;

export type HealthState = {
  health: ChannelHealth;
  consecutiveFailures: number;
  failingSince: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  lastSuccessAt: number | null;
};

export type AttemptFacts = { ok: boolean; gone?: boolean; error?: string; at: number };

export function nextHealth(state: HealthState, attempt: AttemptFacts, disableAfterMs: number): HealthState {
  if (attempt.ok) {
    return {
      ...state,
      health: state.health === "failing" ? "healthy" : state.health,
      consecutiveFailures: 0,
      failingSince: null,
      lastSuccessAt: attempt.at,
    };
  }
  const next: HealthState = {
    ...state,
    consecutiveFailures: state.consecutiveFailures + 1,
    lastError: attempt.error ?? "failed",
    lastErrorAt: attempt.at,
  };
  if (state.health === "disabled") return next;
  if (attempt.gone) {
    next.health = "disabled";
  } else if (state.health === "failing") {
    // Disabled only after having been *failing* that long (DESIGN §5): two failures
    // days apart on a healthy channel are not five days of failing.
    next.failingSince = state.failingSince ?? attempt.at;
    if (attempt.at - next.failingSince >= disableAfterMs) next.health = "disabled";
  } else if (next.consecutiveFailures >= FAILING_AFTER) {
    next.health = "failing";
    next.failingSince = attempt.at;
  }
  return next;
}

/** The words of the `integration.unhealthy` event for a change. */
export function unhealthyTitle(channelName: string, health: ChannelHealth, gone: boolean): string {
  if (health === "failing") return `Channel "${channelName}" is failing`;
  return gone ? `Channel "${channelName}" was disabled: the receiver answered 410 Gone` : `Channel "${channelName}" was disabled after failing for too long`;
}

/**
 * A stored error as a sentence for the page and the API. The words are already
 * made where the attempt ends (lib/channels/http.ts `describeNetworkError` and
 * the status line: "the receiver answered 503 Service Unavailable", "connection
 * refused by 203.0.113.5:8443", "timed out: no complete answer from … within
 * 15 s"); this only makes them read as one: a capital first, a full stop last.
 */
export function errorSentence(error: string | null): string | null {
  const text = error?.trim();
  if (!text) return null;
  const sentence = text[0]!.toUpperCase() + text.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** The "last 24 h" figures read whole hours: from the start of the hour 24 hours ago (so 24 to 25 hours). */
export const FIGURES_HOUR_MS = 3_600_000;
export function figuresSince(now: number): number {
  return Math.floor((now - 24 * FIGURES_HOUR_MS) / FIGURES_HOUR_MS) * FIGURES_HOUR_MS;
}
