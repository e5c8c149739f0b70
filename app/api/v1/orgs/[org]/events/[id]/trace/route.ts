import { db } from "@/db/client";
import { traceEventEndpoint } from "@/lib/api/endpoints/rules";
import { handle } from "@/lib/api/handler";
import { traceEvent } from "@/lib/rules/trace";

export const dynamic = "force-dynamic";

export const GET = handle(traceEventEndpoint, ({ org, params }) => traceEvent(db(), org.id, params.id));
