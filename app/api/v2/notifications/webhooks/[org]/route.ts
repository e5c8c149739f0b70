import { db } from "@/db/client";
import { createWebhookEndpoint, listWebhooksEndpoint } from "@/lib/api/endpoints/clever-hooks";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { createWebhook, listWebhooks } from "@/lib/rules/clever-hooks";

export const dynamic = "force-dynamic";

export const GET = handle(listWebhooksEndpoint, ({ org }) => listWebhooks(db(), org));

export const POST = handle(createWebhookEndpoint, ({ org, principal, body }) => createWebhook(db(), org, actorOf(principal), body));
