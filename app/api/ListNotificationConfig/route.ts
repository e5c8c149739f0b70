import { db } from "@/db/client";
import { listCippNotificationConfigEndpoint } from "@/lib/api/endpoints/cipp";
import { handle } from "@/lib/api/handler";
import { getCippConfig } from "@/lib/rules/cipp-config";

export const dynamic = "force-dynamic";

/** CIPP's ListNotificationConfig; the org is `?org=` or the token's. */
export const GET = handle(listCippNotificationConfigEndpoint, ({ org }) => getCippConfig(db(), org.id));
