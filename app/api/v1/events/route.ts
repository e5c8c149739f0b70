import { db } from "@/db/client";
import { handle } from "@/lib/api/handler";
import { ingestEventsEndpoint } from "@/lib/api/endpoints/events";
import { answerIngest } from "@/lib/events/ingest";

export const dynamic = "force-dynamic";

/**
 * Ingest (DESIGN §7): the org comes from the token. `herald start` answers
 * token-authenticated posts itself (lib/server/ingest-fast-path.ts) with the
 * same function; this handler serves `next dev` and session-authenticated posts.
 */
export const POST = handle(ingestEventsEndpoint, async ({ org, body }) => {
  const answer = await answerIngest(db(), org.id, body);
  return Response.json(answer.body, { status: answer.status });
});
