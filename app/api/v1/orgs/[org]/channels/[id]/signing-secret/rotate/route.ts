import { db } from "@/db/client";
import { rotateSigningSecret } from "@/lib/channels/service";
import { rotateSigningSecretEndpoint } from "@/lib/api/endpoints/channels";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";

export const dynamic = "force-dynamic";

export const POST = handle(rotateSigningSecretEndpoint, async ({ org, principal, params }) => {
  const signingSecret = await rotateSigningSecret(db(), org.id, actorOf(principal), params.id);
  return Response.json({ signingSecret }, { headers: { "cache-control": "no-store" } });
});
