"use server";

import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { createOrg } from "@/lib/accounts/create-org";
import { currentUser } from "@/lib/auth/authorize";
import { AppError } from "@/lib/errors";
import { renameOrgSchema } from "@/lib/validation/accounts";

export const createOrgAction = validatedAction(renameOrgSchema, async ({ name }) => {
  const user = await currentUser();
  if (!user) throw new AppError("unauthorized", "Sign in to continue");
  return { slug: (await createOrg(db(), user.id, { type: "user", id: user.id, label: user.email }, name)).slug };
});
