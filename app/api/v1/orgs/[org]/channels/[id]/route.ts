import { db } from "@/db/client";
import { deleteChannel, getChannel, updateChannel } from "@/db/queries/channels";
import { deleteChannelEndpoint, getChannelEndpoint, updateChannelEndpoint } from "@/lib/api/endpoints/channels";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";

export const dynamic = "force-dynamic";

export const GET = handle(getChannelEndpoint, ({ org, params }) => ({ channel: getChannel(db(), org.id, params.id) }));

export const PATCH = handle(updateChannelEndpoint, async ({ org, principal, params, body }) => ({
  channel: await updateChannel(db(), org.id, actorOf(principal), params.id, body),
}));

export const DELETE = handle(deleteChannelEndpoint, ({ org, principal, params }) => ({
  deleted: true,
  ...deleteChannel(db(), org.id, actorOf(principal), params.id),
}));
