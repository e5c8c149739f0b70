"use server";

import { after } from "next/server";
import { z } from "zod";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { previewTestAlert } from "@/lib/test-alert/preview";
import { testAlertResults } from "@/lib/test-alert/results";
import { testableChannels, testAlertScope } from "@/lib/test-alert/scope";
import { startTestAlert, startTestRetry } from "@/lib/test-alert/send";
import { slugSchema, withOrg } from "@/lib/validation/common";
import { testAlertSchema } from "@/lib/validation/test-alert";

/**
 * The "Send test alert" dialog's actions (Org and Product settings →
 * Notifications): the same lib/test-alert functions as the API. Each action
 * checks the scope itself — org:configure, or product:configure for `product`.
 * Sending returns at once with the deliveries it made; the dialog then polls
 * their results, so each channel's outcome shows as it arrives.
 */

async function scopeFor(org: string, product: string | undefined) {
  const { principal, org: o } = await authorize(org, "org:read");
  return { principal, scope: await testAlertScope(db(), principal, o.id, product) };
}

const deliveryId = z.string().min(1).max(100);
const scoped = withOrg(z.object({ product: slugSchema.optional() }));

export const previewTestAlertAction = validatedAction(withOrg(testAlertSchema), async ({ org, ...input }) => {
  const { scope } = await scopeFor(org, input.product);
  return await previewTestAlert(db(), scope, input);
});

export const startTestAlertAction = validatedAction(withOrg(testAlertSchema), async ({ org, ...input }) => {
  const { principal, scope } = await scopeFor(org, input.product);
  const started = await startTestAlert(db(), scope, actorOf(principal), input);
  // The sends run after the answer; the dialog reads their outcome from the delivery log.
  after(() => started.dispatched);
  return { deliveries: started.deliveries };
});

export const testAlertResultsAction = validatedAction(
  scoped.extend({ deliveryIds: z.array(deliveryId).min(1).max(100) }),
  async ({ org, product, deliveryIds }) => {
    const { scope } = await scopeFor(org, product);
    const mine = new Set((await testableChannels(db(), scope)).map((c) => c.id));
    return (await testAlertResults(db(), scope.orgId, deliveryIds)).filter((r) => mine.has(r.channelId));
  },
);

export const retryTestAlertAction = validatedAction(scoped.extend({ deliveryId }), async ({ org, product, deliveryId: id }) => {
  const { principal, scope } = await scopeFor(org, product);
  const { dispatched } = await startTestRetry(db(), scope, actorOf(principal), id);
  after(() => dispatched);
  return { deliveryId: id };
});
