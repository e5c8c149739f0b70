"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { createSilence, expireSilence, snoozeEvent } from "@/lib/silences/silences";
import { silenceSchema, snoozeSchema } from "@/lib/validation/silences";

/**
 * Silences from the console. Any member may open the page; who may silence
 * what is decided by lib/silences (owners and admins anything, a product's
 * admins only silences pinned to their products), on the server, per call.
 */

const orgField = z.object({ org: z.string().min(1).max(63) });

const refresh = (org: string) => {
  revalidatePath(`/o/${org}/silences`);
  revalidatePath(`/o/${org}/events`, "layout");
};

export const createSilenceAction = validatedAction(z.intersection(silenceSchema, orgField), async ({ org, ...body }) => {
  const { principal, org: o } = await authorize(org, "org:read");
  const silence = await createSilence(db(), o.id, principal, actorOf(principal), body);
  refresh(org);
  return { id: silence.id };
});

export const expireSilenceAction = validatedAction(orgField.extend({ id: z.string().min(1).max(100) }), async ({ org, id }) => {
  const { principal, org: o } = await authorize(org, "org:read");
  await expireSilence(db(), o.id, principal, actorOf(principal), id);
  refresh(org);
});

export const snoozeEventAction = validatedAction(
  snoozeSchema.extend({ org: orgField.shape.org, eventId: z.string().min(1).max(100) }),
  async ({ org, eventId, ...body }) => {
    const { principal, org: o } = await authorize(org, "org:read");
    const silence = await snoozeEvent(db(), o.id, principal, actorOf(principal), eventId, body);
    refresh(org);
    return { id: silence.id, endsAt: silence.endsAt };
  },
);
