import { db } from "@/db/client";
import { createSilenceEndpoint, listSilencesEndpoint } from "@/lib/api/endpoints/silences";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { createSilence, listSilences } from "@/lib/silences/silences";

export const dynamic = "force-dynamic";

export const GET = handle(listSilencesEndpoint, async ({ org, query }) => ({ silences: await listSilences(db(), org.id, { state: query.state }) }));

// Who may silence what is decided on the resolved products (lib/silences: maySilence).
export const POST = handle(createSilenceEndpoint, async ({ org, principal, body }) => ({
  silence: await createSilence(db(), org.id, principal, actorOf(principal), body),
}));
