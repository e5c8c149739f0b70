"use server";

import { revalidatePath } from "next/cache";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { addMember, changeRole, reissueInvite, removeMember } from "@/lib/accounts/members";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { addMemberSchema, changeRoleSchema, removeMemberSchema } from "@/lib/validation/accounts";
import { env } from "@/lib/env";
import { withOrg } from "@/lib/validation/common";

function inviteUrl(token: string) {
  return `${env().publicUrl}/invite/${token}`;
}

export const addMemberAction = validatedAction(withOrg(addMemberSchema), async ({ org, email, role }) => {
  const { principal, org: o } = await authorize(org, "org:manage");
  // The same answer whether the e-mail had an account or not: a link that the person accepts through.
  const { inviteToken } = await addMember(db(), o.id, actorOf(principal), email, role);
  revalidatePath(`/o/${org}/members`);
  return { inviteUrl: inviteUrl(inviteToken) };
});

export const reissueInviteAction = validatedAction(withOrg(removeMemberSchema), async ({ org, userId }) => {
  const { principal, org: o } = await authorize(org, "org:manage");
  const token = await reissueInvite(db(), o.id, actorOf(principal), userId);
  revalidatePath(`/o/${org}/members`);
  return { inviteUrl: inviteUrl(token) };
});

export const changeRoleAction = validatedAction(withOrg(changeRoleSchema), async ({ org, userId, role }) => {
  const { principal, org: o } = await authorize(org, "org:manage");
  await changeRole(db(), o.id, actorOf(principal), userId, role);
  revalidatePath(`/o/${org}/members`);
});

export const removeMemberAction = validatedAction(withOrg(removeMemberSchema), async ({ org, userId }) => {
  const { principal, org: o } = await authorize(org, "org:manage");
  await removeMember(db(), o.id, actorOf(principal), userId);
  revalidatePath(`/o/${org}/members`);
});
