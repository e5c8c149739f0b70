import { db } from "@/db/client";
import { retryDeliveryEndpoint } from "@/lib/api/endpoints/deliveries";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { getDelivery } from "@/lib/dispatch/delivery-log";
import { retryDelivery } from "@/lib/dispatch/manual";

export const dynamic = "force-dynamic";

export const POST = handle(retryDeliveryEndpoint, async ({ org, principal, params }) => {
  await retryDelivery(db(), org.id, actorOf(principal), params.id);
  return { delivery: await getDelivery(db(), org.id, params.id) };
});
