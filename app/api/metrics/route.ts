import { db } from "@/db/client";
import { metricsEndpoint } from "@/lib/api/endpoints/deliveries";
import { handle } from "@/lib/api/handler";
import { renderMetrics } from "@/lib/dispatch/metrics";

export const dynamic = "force-dynamic";

/** Open when HERALD_DISPATCH_TOKEN is not set; otherwise it needs that token as a bearer (checked by `handle`). */
export const GET = handle(metricsEndpoint, async () => {
  return new Response(await renderMetrics(db()), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
});
