import { db } from "@/db/client";
import { dispatchEndpoint } from "@/lib/api/endpoints/deliveries";
import { handle } from "@/lib/api/handler";
import { dispatchOnce } from "@/lib/dispatch/run";

export const dynamic = "force-dynamic";

/**
 * The background route a scheduler can call (cron, a platform's scheduled
 * job): dispatches what is due, claiming for at most `maxMs`, and answers
 * with what happened (`handle` checks HERALD_DISPATCH_TOKEN first). Sends in flight are each bounded by the 15 s timeout.
 */
export const POST = handle(dispatchEndpoint, async ({ query }) => {
  const started = Date.now();
  const counts = await dispatchOnce(db(), { deadlineMs: query.maxMs });
  return { ...counts, durationMs: Date.now() - started };
});
