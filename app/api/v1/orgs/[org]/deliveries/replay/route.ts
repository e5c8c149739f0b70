import { db } from "@/db/client";
import { replayDeliveriesEndpoint } from "@/lib/api/endpoints/deliveries";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { replayDeliveries } from "@/lib/dispatch/manual";

export const dynamic = "force-dynamic";

export const POST = handle(replayDeliveriesEndpoint, ({ org, principal, body }) => replayDeliveries(db(), org.id, actorOf(principal), body));
