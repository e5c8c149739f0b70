import { db } from "@/db/client";
import { expireSilenceEndpoint, getSilenceEndpoint } from "@/lib/api/endpoints/silences";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { expireSilence, getSilence } from "@/lib/silences/silences";

export const dynamic = "force-dynamic";

export const GET = handle(getSilenceEndpoint, async ({ org, params }) => ({ silence: await getSilence(db(), org.id, params.id) }));

export const DELETE = handle(expireSilenceEndpoint, async ({ org, principal, params }) => {
  await expireSilence(db(), org.id, principal, actorOf(principal), params.id);
});
