"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { createToken, revokeToken } from "@/lib/accounts/tokens";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { createTokenSchema } from "@/lib/validation/accounts";
import { withOrg } from "@/lib/validation/common";

export const createTokenAction = validatedAction(withOrg(createTokenSchema), async ({ org, ...input }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  const { token } = await createToken(db(), o.id, actorOf(principal), input);
  revalidatePath(`/o/${org}/tokens`);
  return { token };
});

export const revokeTokenAction = validatedAction(withOrg(z.object({ tokenId: z.string().min(1) })), async ({ org, tokenId }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  await revokeToken(db(), o.id, actorOf(principal), tokenId);
  revalidatePath(`/o/${org}/tokens`);
});
