"use server";

import { revalidatePath } from "next/cache";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { deleteOrg, renameOrg, setOrgRetention } from "@/lib/accounts/tokens";
import { env } from "@/lib/env";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { deleteOrgSchema, orgRetentionSchema, renameOrgSchema } from "@/lib/validation/accounts";
import { withOrg } from "@/lib/validation/common";

export const renameOrgAction = validatedAction(withOrg(renameOrgSchema), async ({ org, name }) => {
  const { principal, org: o } = await authorize(org, "org:manage");
  await renameOrg(db(), o.id, actorOf(principal), name);
  revalidatePath(`/o/${org}`, "layout");
});

export const setOrgRetentionAction = validatedAction(withOrg(orgRetentionSchema), async ({ org, retentionDays }) => {
  const { principal, org: o } = await authorize(org, "org:manage");
  await setOrgRetention(db(), o.id, actorOf(principal), retentionDays, env().HERALD_RETENTION_DAYS);
  revalidatePath(`/o/${org}/settings`);
});

/** Owners only ("org:manage"): the org and everything in it, its name typed as the confirmation. */
export const deleteOrgAction = validatedAction(withOrg(deleteOrgSchema), async ({ org, confirmName }) => {
  const { principal, org: o } = await authorize(org, "org:manage");
  const result = await deleteOrg(db(), o.id, actorOf(principal), confirmName);
  revalidatePath("/", "layout");
  return result;
});
