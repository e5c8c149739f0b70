"use server";

import { revalidatePath } from "next/cache";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { createCatcher, deleteCatcher, getCatcher, setCatcherChannel } from "@/lib/catcher/catchers";
import { sendChannelTest } from "@/lib/channels/test-send";
import { AppError } from "@/lib/errors";
import { catcherIdSchema, createCatcherSchema, setCatcherChannelSchema } from "@/lib/validation/catchers";
import { withOrg } from "@/lib/validation/common";

// Catchers show what was posted to them (bodies, headers) and create channels: org admins' work, like channels.

export const createCatcherAction = validatedAction(withOrg(createCatcherSchema), async ({ org, ...input }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  const catcher = await createCatcher(db(), o.id, actorOf(principal), input);
  revalidatePath(`/o/${org}/catchers`);
  return { id: catcher.id };
});

export const setCatcherChannelAction = validatedAction(withOrg(setCatcherChannelSchema), async ({ org, catcherId, channelId }) => {
  const { org: o } = await authorize(org, "org:configure");
  await setCatcherChannel(db(), o.id, catcherId, channelId || null);
  revalidatePath(`/o/${org}/catchers/${catcherId}`);
});

/** "Send a test": a sample event through the catcher's channel — the real format, signature and outbound path. */
export const sendCatcherTestAction = validatedAction(withOrg(catcherIdSchema), async ({ org, catcherId }) => {
  const { org: o } = await authorize(org, "org:configure");
  const catcher = await getCatcher(db(), o.id, catcherId);
  if (!catcher.channelId)
    throw new AppError("validation_failed", "Choose the webhook channel to send the test through first", { channelId: ["is required to send a test"] });
  const result = await sendChannelTest(db(), o.id, catcher.channelId);
  revalidatePath(`/o/${org}/catchers/${catcherId}`);
  return result;
});

export const deleteCatcherAction = validatedAction(withOrg(catcherIdSchema), async ({ org, catcherId }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  await deleteCatcher(db(), o.id, actorOf(principal), catcherId);
  revalidatePath(`/o/${org}/catchers`);
});
