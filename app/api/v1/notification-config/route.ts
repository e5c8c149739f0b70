import { db } from "@/db/client";
import { getNotificationConfigEndpoint, setNotificationConfigEndpoint } from "@/lib/api/endpoints/rules";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { getNotificationConfig, setNotificationConfig } from "@/lib/rules/notification-config";

export const dynamic = "force-dynamic";

/** CIPP-style settings in one object; the org is `?org=` or the token's. */
export const GET = handle(getNotificationConfigEndpoint, ({ org }) => getNotificationConfig(db(), org));

export const POST = handle(setNotificationConfigEndpoint, ({ org, principal, body }) => setNotificationConfig(db(), org, actorOf(principal), body));
