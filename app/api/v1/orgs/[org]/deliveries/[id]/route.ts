import { db } from "@/db/client";
import { getDeliveryEndpoint } from "@/lib/api/endpoints/deliveries";
import { handle } from "@/lib/api/handler";
import { getDeliveryDetail } from "@/lib/dispatch/delivery-request";

export const dynamic = "force-dynamic";

export const GET = handle(getDeliveryEndpoint, async ({ org, params }) => getDeliveryDetail(db(), org.id, params.id));
