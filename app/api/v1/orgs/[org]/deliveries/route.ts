import { db } from "@/db/client";
import { listDeliveriesEndpoint } from "@/lib/api/endpoints/deliveries";
import { handle } from "@/lib/api/handler";
import { listDeliveries } from "@/lib/dispatch/delivery-log";

export const dynamic = "force-dynamic";

export const GET = handle(listDeliveriesEndpoint, ({ org, query }) => listDeliveries(db(), org.id, query));
