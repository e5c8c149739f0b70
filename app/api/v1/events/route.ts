import { db } from "@/db/client";
import { handle } from "@/lib/api/handler";
import { ingestEventsEndpoint } from "@/lib/api/endpoints/events";
import { ingestEvents } from "@/lib/events/ingest";

export const dynamic = "force-dynamic";

/**
 * Ingest (DESIGN §7): the org comes from the token. 202 with the stored ids;
 * a single event whose id was seen before gets 200 and the stored event.
 */
export const POST = handle(ingestEventsEndpoint, ({ org, body }) => {
  const batch = Array.isArray(body);
  const results = ingestEvents(db(), org.id, batch ? body : [body], { indexed: batch });
  const events = results.map(({ id, deliveries, duplicate }) => (duplicate ? { id, deliveries, duplicate } : { id, deliveries }));
  const status = !batch && results[0].duplicate ? 200 : 202;
  return Response.json({ events }, { status });
});
