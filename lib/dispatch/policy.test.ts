import { describe, expect, it } from "vitest";
import { CHANNEL_DEFINITIONS } from "@/lib/channels/definitions";
import type { SendResult } from "@/lib/channels/types";
import {
  ATTEMPT_TIMEOUT_MS,
  CONNECTIONS_PER_ORIGIN,
  DEFAULT_RETRY_SCHEDULE,
  SMTP_CONNECTIONS,
  attemptBudgetMs,
  cappedWaitMs,
  holdMsOf,
  isRetried,
  isThrottle,
  longestWaitMs,
  outcomeOf,
  parseRetryAfter,
  retryDecision,
  retryDelayFor,
  scheduleTotalMs,
  stopGraceMs,
  type Answer,
  type RetryDecision,
} from "./policy";

/** Pins the delivery policy: DESIGN §5 and docs/delivery.md ("What counts as success, and what is retried"). */

const SCHEDULE = DEFAULT_RETRY_SCHEDULE;
const TEN_HOURS = 36_000_000;

describe("the numbers", () => {
  it("15 s an attempt (connecting gets as long again), 20 s of grace at stop, SMTP phases as long as an attempt", () => {
    expect(ATTEMPT_TIMEOUT_MS).toBe(15_000);
    expect(attemptBudgetMs()).toBe(30_000);
    expect(attemptBudgetMs(2_000)).toBe(4_000);
    expect(stopGraceMs()).toBe(20_000);
    expect(stopGraceMs(500)).toBe(5_500);
  });

  it("a lane never sends more at once than the sockets behind it", () => {
    expect(CHANNEL_DEFINITIONS.webhook.lane.maxInFlight).toBe(CONNECTIONS_PER_ORIGIN);
    expect(CHANNEL_DEFINITIONS.email.lane.maxInFlight).toBe(SMTP_CONNECTIONS);
    for (const type of ["slack", "teams", "discord"] as const) expect(CHANNEL_DEFINITIONS[type].lane.maxInFlight).toBe(1);
    expect(1000 / CHANNEL_DEFINITIONS.slack.lane.intervalMs).toBe(1);
    expect(1000 / CHANNEL_DEFINITIONS.teams.lane.intervalMs).toBeLessThanOrEqual(4);
  });

  it("the default schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; its longest step caps every asked-for wait", () => {
    expect(SCHEDULE).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(longestWaitMs(SCHEDULE)).toBe(TEN_HOURS);
    expect(scheduleTotalMs([1, 2, 4])).toBe(7_000);
  });
});

describe("retryDecision", () => {
  const table: [string, Answer, RetryDecision][] = [
    ["200", { http: 200 }, "delivered"],
    ["204", { http: 204 }, "delivered"],
    ["299", { http: 299 }, "delivered"],
    ["100 (never a final answer)", { http: 100 }, "failed"],
    ["301 (redirects are not followed)", { http: 301 }, "failed"],
    ["302", { http: 302 }, "failed"],
    ["307 with Retry-After", { http: 307, retryAfter: true }, "failed"],
    ["400", { http: 400 }, "failed"],
    ["401", { http: 401 }, "failed"],
    ["403", { http: 403 }, "failed"],
    ["404", { http: 404 }, "failed"],
    ["408 (the receiver's own timeout)", { http: 408 }, "retry"],
    ["410 Gone", { http: 410 }, "gone"],
    ["413", { http: 413 }, "failed"],
    ["422", { http: 422 }, "failed"],
    ["429", { http: 429 }, "throttled"],
    ["429 with Retry-After", { http: 429, retryAfter: true }, "throttled"],
    ["400 with Retry-After (only 429 and 503 throttle)", { http: 400, retryAfter: true }, "failed"],
    ["500", { http: 500 }, "retry"],
    ["500 with Retry-After (a retry, at the time asked)", { http: 500, retryAfter: true }, "retry"],
    ["502", { http: 502 }, "retry"],
    ["503", { http: 503 }, "retry"],
    ["503 with Retry-After", { http: 503, retryAfter: true }, "throttled"],
    ["504", { http: 504 }, "retry"],
    ["599", { http: 599 }, "retry"],
    ["SMTP 250", { smtp: 250 }, "delivered"],
    ["SMTP 421", { smtp: 421 }, "retry"],
    ["SMTP 450", { smtp: 450 }, "retry"],
    ["SMTP 452", { smtp: 452 }, "retry"],
    ["SMTP 550", { smtp: 550 }, "failed"],
    ["SMTP 554", { smtp: 554 }, "failed"],
    ["SMTP, no reply (connection failed)", { smtp: undefined }, "retry"],
    ["timeout", { network: "timeout" }, "retry"],
    ["network error (DNS, refused, reset, TLS)", { network: "error" }, "retry"],
    ["refused by the address guard", { network: "refused" }, "failed"],
  ];
  it.each(table)("%s → %s", (_name, answer, decision) => {
    expect(retryDecision(answer)).toBe(decision);
  });

  it("a retry and a throttle send again; delivered, failed and gone do not", () => {
    expect(["delivered", "retry", "throttled", "failed", "gone"].filter((d) => isRetried(d as RetryDecision))).toEqual(["retry", "throttled"]);
  });
});

describe("isThrottle", () => {
  const r = (statusCode: number | undefined, extra: Partial<SendResult> = {}): SendResult => ({
    ok: false,
    durationMs: 1,
    retryable: true,
    statusCode,
    ...extra,
  });
  it.each([
    ["429", r(429), true],
    ["429 with Retry-After", r(429, { retryAfterMs: 1_000 }), true],
    ["503 with Retry-After", r(503, { retryAfterMs: 1_000 }), true],
    ["503 without", r(503), false],
    ["500 with Retry-After", r(500, { retryAfterMs: 1_000 }), false],
    ["a network error", r(undefined), false],
    ["a 400 that spent Discord's budget", r(400, { rateLimit: { remaining: 0, resetAfterMs: 2_000 } }), false],
    ["a success", { ok: true, durationMs: 1, retryable: false, statusCode: 200 } as SendResult, false],
  ] as const)("%s → %s", (_name, result, throttle) => {
    expect(isThrottle(result)).toBe(throttle);
  });
});

describe("parseRetryAfter (the receiver's ask, in ms; capped where it is used)", () => {
  const now = Date.parse("Sat, 01 Mar 2025 12:00:00 GMT");
  it.each([
    ["delta-seconds", "120", 120_000],
    ["zero", "0", 0],
    ["delta-seconds with spaces", "  7 ", 7_000],
    ["decimal seconds, rounded up", "1.5", 1_500],
    ["decimal seconds, rounded up to the ms", "0.0001", 1],
    ["an HTTP date (IMF-fixdate)", "Sat, 01 Mar 2025 12:00:30 GMT", 30_000],
    ["an HTTP date (RFC 850)", "Saturday, 01-Mar-25 12:00:30 GMT", 30_000],
    ["an HTTP date (asctime)", "Sat Mar  1 12:00:30 2025", 30_000],
    ["a date in the past: 0, never negative", "Sat, 01 Mar 2025 11:00:00 GMT", 0],
    ["a huge delta (capped where used, not here)", "7776000", 7_776_000_000],
    ["garbage", "soon", undefined],
    ["a unit", "5 minutes", undefined],
    ["exponent notation", "1e3", undefined],
    ["hex", "0x10", undefined],
    // V8's Date.parse reads these as dates in 2001 (so they were a wait of 0): not seconds, not an HTTP date.
    ["a negative number", "-1", undefined],
    ["a signed number", "+5", undefined],
    ["a trailing dot", "7.", undefined],
    ["a leading dot", ".5", undefined],
    ["two numbers", "1 2", undefined],
    ["more digits than a double holds (capped where used)", "1" + "0".repeat(400), Infinity],
    ["empty", "", undefined],
    ["absent", undefined, undefined],
  ] as const)("%s: %j → %s", (_name, value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it("takes the first of repeated headers", () => {
    expect(parseRetryAfter(["3", "60"], now)).toBe(3_000);
  });
});

describe("how long a receiver's ask holds (capped)", () => {
  it.each([
    ["within the cap", 2_000, TEN_HOURS, 2_000],
    ["rounded", 1_499.6, TEN_HOURS, 1_500],
    ["90 days → the longest step", 90 * 24 * 3600 * 1000, TEN_HOURS, TEN_HOURS],
    ["negative → 0", -5, TEN_HOURS, 0],
  ])("%s", (_name, asked, cap, ms) => {
    expect(cappedWaitMs(asked, cap)).toBe(ms);
  });

  const failed = (extra: Partial<SendResult>): SendResult => ({ ok: false, durationMs: 1, retryable: true, statusCode: 429, ...extra });
  it("a throttle holds for its Retry-After, 1 s when it names none, at most the schedule's longest step", () => {
    expect(holdMsOf(failed({ retryAfterMs: 4_000 }), SCHEDULE)).toBe(4_000);
    expect(holdMsOf(failed({}), SCHEDULE)).toBe(1_000);
    expect(holdMsOf(failed({ retryAfterMs: parseRetryAfter("7776000") }), SCHEDULE)).toBe(TEN_HOURS);
    expect(holdMsOf(failed({ retryAfterMs: 60_000 }), [1, 2, 4])).toBe(4_000);
  });

  it("a spent rate-limit budget holds until its reset: a refusal capped by the schedule, a success by a minute", () => {
    const rateLimit = { remaining: 0, resetAfterMs: 120_000 };
    expect(holdMsOf(failed({ statusCode: 400, rateLimit }), SCHEDULE)).toBe(120_000);
    expect(holdMsOf({ ok: true, durationMs: 1, retryable: false, rateLimit }, SCHEDULE)).toBe(60_000);
  });
});

describe("when the next attempt is due", () => {
  it("the schedule's step for the attempt, ±10 % jitter; null once it is used up", () => {
    expect(retryDelayFor(1, {}, SCHEDULE, () => 0)).toBe(4_500);
    expect(retryDelayFor(1, {}, SCHEDULE, () => 1)).toBe(5_500);
    expect(retryDelayFor(3, {}, SCHEDULE, () => 0.5)).toBe(1_800_000);
    expect(retryDelayFor(7, {}, SCHEDULE, () => 0.5)).toBe(TEN_HOURS);
    expect(retryDelayFor(8, {}, SCHEDULE)).toBeNull();
    expect(retryDelayFor(0, {}, SCHEDULE)).toBeNull();
  });

  it("a Retry-After on a real failure replaces the step, no jitter, capped at the longest step as a hold is", () => {
    expect(retryDelayFor(1, { retryAfterMs: 120_000 }, SCHEDULE, () => 0)).toBe(120_000);
    expect(retryDelayFor(1, { retryAfterMs: 0 }, SCHEDULE)).toBe(0);
    expect(retryDelayFor(1, { retryAfterMs: parseRetryAfter("7776000") }, SCHEDULE)).toBe(TEN_HOURS);
    // A Retry-After too long for a double is capped too (it used to fall back to the step; a throttle's hold capped it).
    expect(retryDelayFor(1, { retryAfterMs: parseRetryAfter("9".repeat(400)) }, SCHEDULE)).toBe(TEN_HOURS);
    expect(holdMsOf({ ok: false, durationMs: 1, retryable: true, statusCode: 429, retryAfterMs: parseRetryAfter("9".repeat(400)) }, SCHEDULE)).toBe(TEN_HOURS);
  });
});

describe("outcomeOf", () => {
  const now = 1_000_000;
  const failure = (statusCode: number | undefined, retryable: boolean, extra: Partial<SendResult> = {}): SendResult => ({
    ok: false,
    durationMs: 1,
    statusCode,
    retryable,
    ...extra,
  });
  it.each([
    ["2xx", { ok: true, durationMs: 1, retryable: false, statusCode: 200 } as SendResult, 1, "delivered", undefined],
    ["a 5xx, 1st attempt", failure(500, true), 1, "retry", now + 5_000],
    ["a 5xx with Retry-After: 120", failure(500, true, { retryAfterMs: 120_000 }), 1, "retry", now + 120_000],
    ["a 5xx, last attempt", failure(500, true), 8, "dead", undefined],
    ["a timeout (no status)", failure(undefined, true), 2, "retry", now + 300_000],
    ["408", failure(408, true), 1, "retry", now + 5_000],
    ["a 4xx", failure(400, false), 1, "failed", undefined],
    ["a 3xx", failure(302, false), 1, "failed", undefined],
    ["410 Gone", failure(410, false, { gone: true }), 1, "failed", undefined],
    ["429 with Retry-After: 2 (no attempt spent)", failure(429, true, { retryAfterMs: 2_000 }), 8, "throttled", now + 2_000],
    ["503 with Retry-After: 90 days", failure(503, true, { retryAfterMs: 90 * 24 * 3600 * 1000 }), 1, "throttled", now + TEN_HOURS],
  ] as const)("%s → %s", (_name, result, attempt, outcome, nextAttemptAt) => {
    const decided = outcomeOf(attempt, result, SCHEDULE, now, null);
    expect(decided.outcome).toBe(outcome);
    if (outcome === "retry" && result.retryAfterMs === undefined) {
      // jitter: within ±10 % of the step
      const step = (nextAttemptAt as number) - now;
      expect(decided.nextAttemptAt! - now).toBeGreaterThanOrEqual(step * 0.9);
      expect(decided.nextAttemptAt! - now).toBeLessThanOrEqual(step * 1.1);
    } else {
      expect(decided.nextAttemptAt).toBe(nextAttemptAt);
    }
  });

  it("a throttled delivery is dead once throttled for the whole schedule since its first throttle, not sooner", () => {
    const r = failure(429, true, { retryAfterMs: 1_000 });
    const total = scheduleTotalMs(SCHEDULE);
    expect(outcomeOf(1, r, SCHEDULE, now + total - 1, now).outcome).toBe("throttled");
    expect(outcomeOf(1, r, SCHEDULE, now + total, now).outcome).toBe("dead");
  });
});
