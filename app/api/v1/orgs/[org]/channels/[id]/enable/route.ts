import { db } from "@/db/client";
import { enableChannelEndpoint } from "@/lib/api/endpoints/deliveries";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { enableChannel } from "@/lib/dispatch/manual";

export const dynamic = "force-dynamic";

export const POST = handle(enableChannelEndpoint, async ({ org, principal, params }) => ({
  channel: await enableChannel(db(), org.id, actorOf(principal), params.id),
}));
