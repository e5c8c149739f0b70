import { db } from "@/db/client";
import { listDeliveriesEndpoint } from "@/lib/api/endpoints/deliveries";
import { handle } from "@/lib/api/handler";
import { listDeliveries } from "@/lib/dispatch/delivery-log";
import { retentionNotice } from "@/lib/retention/notice";

export const dynamic = "force-dynamic";

export const GET = handle(listDeliveriesEndpoint, async ({ org, query }) => {
  const notice = await retentionNotice(db(), org.id, query);
  return { ...(await listDeliveries(db(), org.id, query)), ...(notice ? { notice } : {}) };
});
