import { and, desc, eq, gt, or, sql } from "drizzle-orm";
import { changedRows, type Db } from "@/db/client";
import { deliveries, events, orgs } from "@/db/schema";
import { PENDING_DELIVERY } from "@/db/schema/values";
import { log } from "@/lib/log";
import { longestWaitMs } from "./policy";

/**
 * Clock steps (issue #17 §5). Timestamps in the database, retry times and
 * signatures all come from the wall clock, which an operator or NTP can step.
 * Three defences: a jump is noticed (the wall clock against the monotonic
 * `performance.now()` while running, and against the newest stored timestamp
 * at start) and shown in `/api/health`; a retry further ahead than the
 * schedule's longest step — only a backwards step makes one — is due now; and
 * a webhook receiver refusing our signature while our clock is suspect is
 * retried, not failed (lib/channels/webhook/module.ts).
 */

/** A difference smaller than this is drift or a slow query, not a step. */
const CLOCK_STEP_MS = 60_000;
/** Standard Webhooks receivers refuse a `webhook-timestamp` further than this from their own clock. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

type Step = { stepMs: number; seenAt: number; how: "while running" | "since the last write before this start" };
type ClockState = { wall: number; mono: number; step: Step | null };
const globalForClock = globalThis as unknown as { heraldClock?: ClockState };
const state = (): ClockState => (globalForClock.heraldClock ??= { wall: Date.now(), mono: performance.now(), step: null });

function noteStep(step: Step) {
  state().step = step;
  log.warn("clock stepped", { stepMs: step.stepMs, how: step.how, direction: step.stepMs < 0 ? "backwards" : "forwards" });
}

/**
 * The last clock step seen, or null: compares how far the wall clock moved
 * since the baseline with how far the monotonic clock did, then takes a new
 * baseline, so each step is reported once and stays reported.
 */
export function clockStep(): Step | null {
  const s = state();
  const wall = Date.now();
  const mono = performance.now();
  const stepMs = Math.round(wall - s.wall - (mono - s.mono));
  s.wall = wall;
  s.mono = mono;
  if (Math.abs(stepMs) > CLOCK_STEP_MS) noteStep({ stepMs, seenAt: wall, how: "while running" });
  return s.step;
}

/**
 * At start: a wall clock behind the newest stored event by more than a
 * minute was stepped back while Herald was down. One indexed row per org
 * (events_org_time_idx). Returns the step (negative) or null.
 */
export async function checkClockAgainstDatabase(db: Db, now = Date.now()): Promise<Step | null> {
  let newest = 0;
  for (const { id } of await db.select({ id: orgs.id }).from(orgs)) {
    const [event] = await db.select({ at: events.receivedAt }).from(events).where(eq(events.orgId, id)).orderBy(desc(events.receivedAt)).limit(1);
    if (event) newest = Math.max(newest, event.at.getTime());
  }
  if (newest - now <= CLOCK_STEP_MS) return null;
  const step: Step = { stepMs: now - newest, seenAt: now, how: "since the last write before this start" };
  noteStep(step);
  return step;
}

/** Whether our clock is known to have stepped (a refusal of our signatures may be our fault). */
export function clockSuspect(): boolean {
  return clockStep() !== null;
}

/**
 * Makes due now every waiting retry a backwards clock step stranded: one due
 * further ahead than the schedule's longest step (no step or Retry-After,
 * capped at that step, puts it there), or one whose outcome was recorded
 * "in the future" of our clock. Without this the work would stall for as
 * long as the clock went back. An early retry costs one attempt of the
 * budget; a stalled one costs the receiver an hour of notifications.
 * Returns how many were moved.
 */
export async function pullInStrandedRetries(db: Db, schedule: readonly number[], now = Date.now()): Promise<number> {
  const horizon = new Date(now + longestWaitMs(schedule) + CLOCK_STEP_MS);
  const written = new Date(now + CLOCK_STEP_MS);
  const moved = changedRows(
    await db
      .update(deliveries)
      .set({ nextAttemptAt: new Date(now), updatedAt: new Date(now) })
      // Retries only (an attempt was made): a digest still collecting waits for its window, which may be longer.
      .where(
        and(
          sql.raw(PENDING_DELIVERY),
          eq(deliveries.status, "queued"),
          gt(deliveries.attemptCount, 0),
          or(gt(deliveries.nextAttemptAt, horizon), gt(deliveries.updatedAt, written)),
        ),
      ),
  );
  if (moved > 0) log.warn("clock: retries a backwards step had put off are due now", { deliveries: moved });
  return moved;
}

/** For tests: forget steps seen and take a new baseline. */
export function resetClockCheck() {
  globalForClock.heraldClock = { wall: Date.now(), mono: performance.now(), step: null };
}
