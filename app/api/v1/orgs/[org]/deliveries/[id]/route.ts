import { db } from "@/db/client";
import { getDeliveryEndpoint } from "@/lib/api/endpoints/deliveries";
import { handle } from "@/lib/api/handler";
import { getDelivery } from "@/lib/dispatch/delivery-log";

export const dynamic = "force-dynamic";

export const GET = handle(getDeliveryEndpoint, async ({ org, params }) => ({ delivery: await getDelivery(db(), org.id, params.id) }));
