import { db } from "@/db/client";
import { createChannel, listChannels } from "@/lib/channels/service";
import { createChannelEndpoint, listChannelsEndpoint } from "@/lib/api/endpoints/channels";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { requireWorkingReceiver } from "@/lib/channels/test-send";

export const dynamic = "force-dynamic";

export const GET = handle(listChannelsEndpoint, async ({ org }) => ({ channels: await listChannels(db(), org.id) }));

// A new channel is tested before it is created (as Chainloop registers an integration), unless "skipTest": true.
export const POST = handle(createChannelEndpoint, async ({ org, principal, body }) => ({
  channel: await createChannel(db(), org.id, actorOf(principal), body, {
    beforeWrite: body.skipTest ? undefined : (input) => requireWorkingReceiver(db(), org.id, input),
  }),
}));
