"use server";

import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { acceptInvite, joinOrg } from "@/lib/accounts/members";
import { currentUser } from "@/lib/auth/authorize";
import { AppError } from "@/lib/errors";
import { acceptInviteSchema, joinOrgSchema } from "@/lib/validation/accounts";

/**
 * A person new to Herald: the invite token is the authorization (single use, hashed at rest,
 * expiring), and it sets a password only for an account that never had one.
 */
export const acceptInviteAction = validatedAction(acceptInviteSchema, (input) => acceptInvite(db(), input.token, input.password));

/** Someone with an account accepts while signed in as the invited person (token and session both). */
export const joinOrgAction = validatedAction(joinOrgSchema, async ({ token }) => {
  const user = await currentUser();
  if (!user) throw new AppError("unauthorized", "Sign in to accept the invitation");
  return joinOrg(db(), token, user.id);
});
