import { db } from "@/db/client";
import { deleteEmailhookEndpoint } from "@/lib/api/endpoints/clever-hooks";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { deleteHook } from "@/lib/rules/clever-hooks";

export const dynamic = "force-dynamic";

export const DELETE = handle(deleteEmailhookEndpoint, ({ org, principal, params }) => deleteHook(db(), org, actorOf(principal), "emailhook", params.hook));
