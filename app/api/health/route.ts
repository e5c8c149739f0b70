import { sql } from "drizzle-orm";
import { db, rowsOf } from "@/db/client";
import { storageFailure } from "@/lib/dispatch/storage-health";

export const dynamic = "force-dynamic";

/**
 * 503 whenever the API cannot do its work: the database does not answer, or
 * a write failed and writes have not worked since (lib/dispatch/storage-health.ts)
 * — a read alone works on a full disk, so it cannot be the whole check.
 */
export async function GET() {
  const failure = storageFailure();
  if (failure) {
    const storage = { ok: false, error: failure.code, since: new Date(failure.since).toISOString() };
    return Response.json({ status: "unavailable", reason: "database writes fail", checks: { storage } }, { status: 503 });
  }
  try {
    await rowsOf(db(), sql`select 1`);
    return Response.json({ status: "ok", checks: { storage: { ok: true } } });
  } catch {
    return Response.json({ status: "unavailable", reason: "the database does not answer", checks: { storage: { ok: false } } }, { status: 503 });
  }
}
