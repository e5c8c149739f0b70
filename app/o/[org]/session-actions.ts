"use server";

import { z } from "zod";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { currentUser } from "@/lib/auth/authorize";
import { endAllSessions } from "@/lib/auth/sessions";
import { AppError } from "@/lib/errors";

/** Ends every session of the signed-in person, in every browser (this one signs out next, in the client). */
export const signOutEverywhereAction = validatedAction(z.object({}), async () => {
  const user = await currentUser();
  if (!user) throw new AppError("unauthorized", "Sign in to continue");
  await endAllSessions(db(), user.id);
});
