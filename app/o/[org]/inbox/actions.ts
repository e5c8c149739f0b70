"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { authorize } from "@/lib/auth/authorize";
import { forbidden } from "@/lib/errors";
import { markInbox, unreadCount } from "@/lib/inbox/queries";
import { withOrg } from "@/lib/validation/common";

/** The inbox is personal: every member reads and marks only their own items. */
async function member(org: string) {
  const { principal, org: o } = await authorize(org, "org:read");
  if (principal.kind !== "user") throw forbidden("The inbox belongs to a signed-in member");
  return { orgId: o.id, userId: principal.userId };
}

export const unreadCountAction = validatedAction(withOrg(z.object({})), async ({ org }) => {
  const { orgId, userId } = await member(org);
  return { unread: await unreadCount(db(), orgId, userId) };
});

export const markInboxAction = validatedAction(
  withOrg(z.object({ ids: z.union([z.array(z.string().min(1)).max(500), z.literal("all")]), read: z.boolean() })),
  async ({ org, ids, read }) => {
    const { orgId, userId } = await member(org);
    const changed = await markInbox(db(), orgId, userId, ids, read);
    revalidatePath(`/o/${org}/inbox`);
    return { changed };
  },
);
