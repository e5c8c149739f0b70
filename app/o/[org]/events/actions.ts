"use server";

import { revalidatePath } from "next/cache";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { createEventType } from "@/lib/events/event-types";
import { withOrg } from "@/lib/validation/common";
import { eventTypeSchema } from "@/lib/validation/events";

/** Adds a custom event type to the org's catalog (owners and admins). */
export const createEventTypeAction = validatedAction(withOrg(eventTypeSchema), async ({ org, ...input }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  const type = await createEventType(db(), o.id, actorOf(principal), input);
  revalidatePath(`/o/${org}/events`);
  revalidatePath(`/o/${org}/notifications`);
  return { key: type.key };
});
