import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { events } from "@/db/schema";
import { env } from "@/lib/env";
import type { DeliveryFilters } from "@/lib/validation/deliveries";

const DAY_MS = 24 * 3600 * 1000;

/**
 * What a delivery log query cannot show because retention deleted it, in
 * words — or null. A query reaching before the window (`from`/`to`), or for an
 * event that is no longer stored, would otherwise look like "nothing happened".
 */
export async function retentionNotice(
  db: DbOrTx,
  orgId: string,
  filters: Pick<DeliveryFilters, "from" | "to" | "event">,
  now = Date.now(),
): Promise<string | null> {
  const days = env().HERALD_RETENTION_DAYS;
  const cutoff = new Date(now - days * DAY_MS);
  const window = `Finished deliveries are kept ${days} days (HERALD_RETENTION_DAYS)`;
  const before = (iso: string | undefined) => iso !== undefined && new Date(iso) < cutoff;
  if (before(filters.from) || before(filters.to)) {
    return `${window}: this query reaches before ${cutoff.toISOString()}, and finished deliveries from before then are deleted; only those still queued or being sent remain.`;
  }
  if (filters.event) {
    const [event] = await db
      .select({ id: events.id })
      .from(events)
      .where(and(eq(events.orgId, orgId), eq(events.id, filters.event)))
      .limit(1);
    if (!event)
      return `No event ${filters.event} is stored in this organization: it never existed here, or it was deleted with its deliveries after ${days} days (HERALD_RETENTION_DAYS).`;
  }
  return null;
}
