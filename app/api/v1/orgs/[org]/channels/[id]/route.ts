import { db } from "@/db/client";
import { deleteChannel, getChannel, updateChannel } from "@/lib/channels/service";
import { deleteChannelEndpoint, getChannelEndpoint, updateChannelEndpoint } from "@/lib/api/endpoints/channels";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";

export const dynamic = "force-dynamic";

export const GET = handle(getChannelEndpoint, async ({ org, params }) => ({ channel: await getChannel(db(), org.id, params.id) }));

export const PATCH = handle(updateChannelEndpoint, async ({ org, principal, params, body }) => ({
  channel: await updateChannel(db(), org.id, actorOf(principal), params.id, body),
}));

export const DELETE = handle(deleteChannelEndpoint, async ({ org, principal, params }) => ({
  deleted: true,
  ...(await deleteChannel(db(), org.id, actorOf(principal), params.id)),
}));
