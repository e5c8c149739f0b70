import { sql } from "drizzle-orm";
import { db, rowsOf } from "@/db/client";
import { clockStep } from "@/lib/dispatch/clock";
import { storageFailure } from "@/lib/dispatch/storage-health";

export const dynamic = "force-dynamic";

/**
 * 503 whenever the API cannot do its work: the database does not answer, or
 * a write failed and writes have not worked since (lib/dispatch/storage-health.ts)
 * — a read alone works on a full disk, so it cannot be the whole check.
 * `checks.clock` warns of a clock step (lib/dispatch/clock.ts).
 */
export async function GET() {
  const checks = { clock: clockCheck() };
  const failure = storageFailure();
  if (failure) {
    const storage = { ok: false, error: failure.code, since: new Date(failure.since).toISOString() };
    return Response.json({ status: "unavailable", reason: "database writes fail", checks: { storage, ...checks } }, { status: 503 });
  }
  try {
    await rowsOf(db(), sql`select 1`);
    return Response.json({ status: "ok", checks: { storage: { ok: true }, ...checks } });
  } catch {
    return Response.json({ status: "unavailable", reason: "the database does not answer", checks: { storage: { ok: false }, ...checks } }, { status: 503 });
  }
}

/** A warning, not a 503: Herald still works after a clock step, but its timestamps and signatures may be off. */
function clockCheck() {
  const step = clockStep();
  if (!step) return { ok: true };
  const direction = step.stepMs < 0 ? "back" : "forward";
  return {
    ok: false,
    stepMs: step.stepMs,
    seenAt: new Date(step.seenAt).toISOString(),
    warning: `the clock stepped ${direction} by ${Math.round(Math.abs(step.stepMs) / 1000)} s ${step.how}`,
  };
}
