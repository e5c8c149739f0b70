"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { enableChannel, replayDeliveries, retryDelivery } from "@/lib/dispatch/manual";
import { withOrg } from "@/lib/validation/common";
import { replaySchema } from "@/lib/validation/deliveries";

export const retryDeliveryAction = validatedAction(withOrg(z.object({ deliveryId: z.string().min(1).max(100) })), async ({ org, deliveryId }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  await retryDelivery(db(), o.id, actorOf(principal), deliveryId);
  revalidatePath(`/o/${org}/deliveries`);
});

export const replayDeliveriesAction = validatedAction(withOrg(replaySchema), async ({ org, ...input }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  const result = await replayDeliveries(db(), o.id, actorOf(principal), input);
  revalidatePath(`/o/${org}/deliveries`);
  return result;
});

/** Used by the channel health badge on the Notifications page (app/o/[org]/notifications/_components/channel-health.tsx). */
export const enableChannelAction = validatedAction(withOrg(z.object({ channelId: z.string().min(1).max(100) })), async ({ org, channelId }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  const result = await enableChannel(db(), o.id, actorOf(principal), channelId);
  revalidatePath(`/o/${org}/deliveries`);
  revalidatePath(`/o/${org}/notifications`);
  return result;
});
