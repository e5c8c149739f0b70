"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { db } from "@/db/client";
import { createChannel, deleteChannel, revealSigningSecret, rotateSigningSecret, updateChannel } from "@/lib/channels/service";
import { validatedAction } from "@/lib/actions";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { sendChannelTest } from "@/lib/channels/test-send";
import { withOrg } from "@/lib/validation/common";
import { createChannelSchema, patchChannelSchema } from "@/lib/validation/channels";
import { templateSchema } from "@/lib/validation/channel-fields";
import { CHANNEL_TYPES } from "@/db/schema/values";
import { previewTemplate } from "@/lib/channels/template-preview";
import { env } from "@/lib/env";

/** Channel actions of Org settings → Notifications; each checks "org:configure" on the server. */

const orgField = z.object({ org: z.string().min(1).max(63) });
const channelRef = withOrg(z.object({ id: z.string().min(1).max(100) }));

const refresh = (org: string) => revalidatePath(`/o/${org}/notifications`);

export const createChannelAction = validatedAction(z.intersection(createChannelSchema, orgField), async ({ org, ...input }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  const channel = await createChannel(db(), o.id, actorOf(principal), input as z.output<typeof createChannelSchema>);
  refresh(org);
  return { id: channel.id };
});

export const updateChannelAction = validatedAction(withOrg(patchChannelSchema.extend({ id: z.string().min(1).max(100) })), async ({ org, id, ...patch }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  await updateChannel(db(), o.id, actorOf(principal), id, patch);
  refresh(org);
});

export const deleteChannelAction = validatedAction(channelRef, async ({ org, id }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  const result = await deleteChannel(db(), o.id, actorOf(principal), id);
  refresh(org);
  return result;
});

/** Sends one sample notification now; reports status, time and error; changes nothing stored. */
export const sendChannelTestAction = validatedAction(channelRef, async ({ org, id }) => {
  const { org: o } = await authorize(org, "org:configure");
  return await sendChannelTest(db(), o.id, id);
});

export const revealSigningSecretAction = validatedAction(channelRef, async ({ org, id }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  return { signingSecret: await revealSigningSecret(db(), o.id, actorOf(principal), id) };
});

export const rotateSigningSecretAction = validatedAction(channelRef, async ({ org, id }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  const signingSecret = await rotateSigningSecret(db(), o.id, actorOf(principal), id);
  refresh(org);
  return { signingSecret };
});

/** The channel dialog's live preview of a message template, on sample events (any member who can open the dialog; nothing is read or written). */
export const previewTemplateAction = validatedAction(
  withOrg(z.object({ type: z.enum(CHANNEL_TYPES), template: templateSchema.unwrap() })),
  async ({ org, type, template }) => {
    const { org: o } = await authorize(org, "org:read");
    return previewTemplate({ type, template }, { slug: o.slug, name: o.name }, env().publicUrl);
  },
);
