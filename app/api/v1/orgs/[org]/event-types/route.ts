import { db } from "@/db/client";
import { createEventTypeEndpoint, listEventTypesEndpoint } from "@/lib/api/endpoints/rules";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { orgCatalog } from "@/lib/events/catalog";
import { createEventType } from "@/lib/events/event-types";

export const dynamic = "force-dynamic";

export const GET = handle(listEventTypesEndpoint, async ({ org }) => ({ eventTypes: await orgCatalog(db(), org.id) }));

export const POST = handle(createEventTypeEndpoint, async ({ org, principal, body }) => ({
  eventType: await createEventType(db(), org.id, actorOf(principal), body),
}));
