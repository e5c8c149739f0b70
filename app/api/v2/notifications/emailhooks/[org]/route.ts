import { db } from "@/db/client";
import { createEmailhookEndpoint, listEmailhooksEndpoint } from "@/lib/api/endpoints/clever-hooks";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { createEmailhook, listEmailhooks } from "@/lib/rules/clever-hooks";

export const dynamic = "force-dynamic";

export const GET = handle(listEmailhooksEndpoint, ({ org }) => listEmailhooks(db(), org));

export const POST = handle(createEmailhookEndpoint, ({ org, principal, body }) => createEmailhook(db(), org, actorOf(principal), body));
