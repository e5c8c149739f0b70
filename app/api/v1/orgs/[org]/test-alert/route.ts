import { db } from "@/db/client";
import { sendTestAlertEndpoint } from "@/lib/api/endpoints/test-alert";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { sendTestAlert } from "@/lib/test-alert/send";
import { testAlertScope } from "@/lib/test-alert/scope";

export const dynamic = "force-dynamic";

// The wrapper authenticates any member or token of the org; the permission the
// document names (product:configure for `product`, else org:configure) needs
// the product from the body, so testAlertScope checks it.
export const POST = handle({ ...sendTestAlertEndpoint, permission: "org:read" }, async ({ body, org, principal }) => {
  const database = db();
  const scope = await testAlertScope(database, principal, org.id, body.product);
  const { results } = await sendTestAlert(database, scope, actorOf(principal), body);
  return { results };
});
