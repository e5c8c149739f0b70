"use server";

import { revalidatePath } from "next/cache";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { renameOrg } from "@/lib/accounts/tokens";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { renameOrgSchema } from "@/lib/validation/accounts";
import { withOrg } from "@/lib/validation/common";

export const renameOrgAction = validatedAction(withOrg(renameOrgSchema), async ({ org, name }) => {
  const { principal, org: o } = await authorize(org, "org:manage");
  await renameOrg(db(), o.id, actorOf(principal), name);
  revalidatePath(`/o/${org}`, "layout");
});
