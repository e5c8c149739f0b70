import { db } from "@/db/client";
import { snoozeEventEndpoint } from "@/lib/api/endpoints/silences";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { snoozeEvent } from "@/lib/silences/silences";

export const dynamic = "force-dynamic";

export const POST = handle(snoozeEventEndpoint, async ({ org, principal, params, body }) => ({
  silence: await snoozeEvent(db(), org.id, principal, actorOf(principal), params.id, body),
}));
