import { db } from "@/db/client";
import { getEventEndpoint } from "@/lib/api/endpoints/rules";
import { handle } from "@/lib/api/handler";
import { getEvent } from "@/lib/events/event-log";

export const dynamic = "force-dynamic";

export const GET = handle(getEventEndpoint, ({ org, params }) => getEvent(db(), org.id, params.id));
