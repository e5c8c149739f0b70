import { db } from "@/db/client";
import { execCippNotificationConfigEndpoint } from "@/lib/api/endpoints/cipp";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { setCippConfig } from "@/lib/rules/cipp-config";

export const dynamic = "force-dynamic";

/** CIPP's ExecNotificationConfig: answers as CIPP does, `{"Results": "…"}`. */
export const POST = handle(execCippNotificationConfigEndpoint, async ({ org, principal, body }) => {
  await setCippConfig(db(), org.id, actorOf(principal), body);
  return { Results: "Successfully set the configuration" };
});
