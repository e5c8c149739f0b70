import { db } from "@/db/client";
import { previewTestAlertEndpoint } from "@/lib/api/endpoints/test-alert";
import { handle } from "@/lib/api/handler";
import { previewTestAlert } from "@/lib/test-alert/preview";
import { testAlertScope } from "@/lib/test-alert/scope";

export const dynamic = "force-dynamic";

// As for sending: the scope (and its permission) depends on the body's `product`.
export const POST = handle({ ...previewTestAlertEndpoint, permission: "org:read" }, async ({ body, org, principal }) => {
  const database = db();
  return previewTestAlert(database, await testAlertScope(database, principal, org.id, body.product), body);
});
