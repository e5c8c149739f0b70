import { describe, expect, it } from "vitest";
import { outcomeOf, retryDelayFor } from "./policy";
import { nextHealth, type HealthState } from "./health";

const SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

describe("retryDelayFor", () => {
  it("follows the schedule step for the attempt, within ±10 % jitter", () => {
    expect(retryDelayFor(1, {}, SCHEDULE, () => 0)).toBe(4_500);
    expect(retryDelayFor(1, {}, SCHEDULE, () => 1)).toBe(5_500);
    expect(retryDelayFor(2, {}, SCHEDULE, () => 0.5)).toBe(300_000);
    expect(retryDelayFor(7, {}, SCHEDULE, () => 0.5)).toBe(36_000_000);
  });

  it("is null once the schedule is used up (the delivery is dead)", () => {
    expect(retryDelayFor(8, {}, SCHEDULE)).toBeNull();
    expect(retryDelayFor(0, {}, SCHEDULE)).toBeNull();
  });

  it("honours Retry-After instead of the step, capped at the schedule's longest wait", () => {
    expect(retryDelayFor(1, { retryAfterMs: 2_000 }, SCHEDULE)).toBe(2_000);
    expect(retryDelayFor(1, { retryAfterMs: 90 * 24 * 3600 * 1000 }, SCHEDULE)).toBe(36_000_000);
    expect(retryDelayFor(1, { retryAfterMs: 2_000 }, [1, 1])).toBe(1_000);
  });
});

describe("outcomeOf", () => {
  const base = { durationMs: 1 };
  it("2xx → delivered; non-retryable → failed; 410 → failed; retryable → retry, then dead", () => {
    expect(outcomeOf(1, { ...base, ok: true, retryable: false }, [1], 0).outcome).toBe("delivered");
    expect(outcomeOf(1, { ...base, ok: false, retryable: false, statusCode: 400 }, [1], 0).outcome).toBe("failed");
    expect(outcomeOf(1, { ...base, ok: false, retryable: false, gone: true }, [1], 0).outcome).toBe("failed");
    expect(outcomeOf(1, { ...base, ok: false, retryable: true }, [1], 1000)).toMatchObject({ outcome: "retry" });
    expect(outcomeOf(2, { ...base, ok: false, retryable: true }, [1], 1000)).toEqual({ outcome: "dead" });
  });
});

describe("throttles (back-pressure) spend no attempt", () => {
  const base = { durationMs: 1, ok: false as const, retryable: true };
  it("429, and 503 with Retry-After, are throttled until the hold's end (capped by the longest step); a bare 503 is a retry", () => {
    expect(outcomeOf(1, { ...base, statusCode: 429, retryAfterMs: 1_000 }, [1, 2, 4], 0)).toEqual({ outcome: "throttled", nextAttemptAt: 1_000 });
    expect(outcomeOf(3, { ...base, statusCode: 503, retryAfterMs: 60_000 }, [1, 2, 4], 0)).toEqual({ outcome: "throttled", nextAttemptAt: 4_000 });
    expect(outcomeOf(1, { ...base, statusCode: 429 }, [1, 2, 4], 0)).toEqual({ outcome: "throttled", nextAttemptAt: 1_000 });
    expect(outcomeOf(1, { ...base, statusCode: 503 }, [1, 2, 4], 0, null).outcome).toBe("retry");
  });

  it("a delivery throttled for longer than the schedule's total (since its first throttle) is dead; not sooner", () => {
    const r = { ...base, statusCode: 429, retryAfterMs: 1_000 };
    expect(outcomeOf(1, r, [1, 2, 4], 106_999, 100_000).outcome).toBe("throttled");
    expect(outcomeOf(1, r, [1, 2, 4], 107_000, 100_000).outcome).toBe("dead");
  });
});

describe("channel health", () => {
  const healthy: HealthState = { health: "healthy", consecutiveFailures: 0, failingSince: null, lastError: null, lastErrorAt: null, lastSuccessAt: null };
  const fail = (s: HealthState, at: number, gone = false) => nextHealth(s, { ok: false, error: "boom", at, gone }, 10_000);

  it("5 consecutive failures → failing; a success → healthy again", () => {
    let s = healthy;
    for (let i = 0; i < 4; i++) s = fail(s, i);
    expect(s).toMatchObject({ health: "healthy", consecutiveFailures: 4, failingSince: null });
    s = fail(s, 5);
    expect(s).toMatchObject({ health: "failing", failingSince: 5 });
    s = nextHealth(s, { ok: true, at: 6 }, 10_000);
    expect(s).toMatchObject({ health: "healthy", consecutiveFailures: 0, failingSince: null, lastSuccessAt: 6 });
  });

  it("failing for longer than the disable period → disabled; 410 → disabled at once", () => {
    let s = healthy;
    for (let i = 0; i < 5; i++) s = fail(s, i);
    s = fail(s, 10_003);
    expect(s.health).toBe("failing");
    s = fail(s, 10_004);
    expect(s.health).toBe("disabled");
    expect(fail(healthy, 0, true).health).toBe("disabled");
  });

  it("never disabled without having been failing first (issue #17: disabled after 2 failures)", () => {
    let s = fail(healthy, 0);
    s = fail(s, 10_000);
    s = fail(s, 1_000_000);
    expect(s).toMatchObject({ health: "healthy", consecutiveFailures: 3, failingSince: null });
  });

  it("a success does not undo disabled (only re-enabling does)", () => {
    const s = nextHealth(fail(healthy, 0, true), { ok: true, at: 1 }, 10_000);
    expect(s.health).toBe("disabled");
  });
});
