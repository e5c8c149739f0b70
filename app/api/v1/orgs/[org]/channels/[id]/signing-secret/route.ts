import { db } from "@/db/client";
import { revealSigningSecret } from "@/lib/channels/service";
import { revealSigningSecretEndpoint } from "@/lib/api/endpoints/channels";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";

export const dynamic = "force-dynamic";

export const GET = handle(revealSigningSecretEndpoint, async ({ org, principal, params }) => {
  const signingSecret = await revealSigningSecret(db(), org.id, actorOf(principal), params.id);
  return Response.json({ signingSecret }, { headers: { "cache-control": "no-store" } });
});
