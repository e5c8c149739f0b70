import { db } from "@/db/client";
import { listEventsEndpoint } from "@/lib/api/endpoints/rules";
import { handle } from "@/lib/api/handler";
import { listEvents } from "@/lib/events/event-log";

export const dynamic = "force-dynamic";

export const GET = handle(listEventsEndpoint, ({ org, query }) => listEvents(db(), org.id, query));
