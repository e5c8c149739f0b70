"use server";

import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { acceptInvite } from "@/lib/accounts/members";
import { acceptInviteSchema } from "@/lib/validation/accounts";

/** The invite token itself is the authorization: single use, hashed at rest, expiring. */
export const acceptInviteAction = validatedAction(acceptInviteSchema, (input) => acceptInvite(db(), input.token, input.password));
