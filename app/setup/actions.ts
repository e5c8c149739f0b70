"use server";

import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { runSetup } from "@/lib/accounts/setup";
import { setupSchema } from "@/lib/validation/accounts";

/** First-run setup. runSetup refuses once any user exists, so a direct POST after setup is refused too. */
export const setupAction = validatedAction(setupSchema, async (input) => {
  const { org } = await runSetup(db(), input);
  return { orgSlug: org.slug };
});
