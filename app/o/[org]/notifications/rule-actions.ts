"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { db } from "@/db/client";
import { validatedAction } from "@/lib/actions";
import { authorize } from "@/lib/auth/authorize";
import { actorOf } from "@/lib/auth/permissions";
import { invalid, notFound } from "@/lib/errors";
import { almostMatched, createRule, deleteRule, ruleRow, updateRule, whatWouldMatch } from "@/lib/rules/queries";
import { ruleSchema } from "@/lib/validation/rules";

/**
 * Org rule actions of Org settings → Notifications; each checks
 * "org:configure" on the server. Product rules are changed on the product's
 * page (its actions check "product:configure" for that product).
 */

const orgField = z.object({ org: z.string().min(1).max(63) });
const ruleRef = orgField.extend({ id: z.string().min(1).max(100) });

const refresh = (org: string) => revalidatePath(`/o/${org}/notifications`);

/** The org rule with this id (a product rule reads as not found here). */
async function assertOrgRule(orgId: string, id: string) {
  if ((await ruleRow(db(), orgId, id)).productId !== null) throw notFound("Rule");
}

export const createRuleAction = validatedAction(z.intersection(ruleSchema, orgField), async ({ org, ...body }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  if (body.product) throw invalid({ product: ["product rules are set on the product's page"] });
  const rule = await createRule(db(), o.id, actorOf(principal), body);
  refresh(org);
  return { id: rule.id };
});

export const updateRuleAction = validatedAction(z.intersection(ruleSchema, ruleRef), async ({ org, id, ...body }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  await assertOrgRule(o.id, id);
  await updateRule(db(), o.id, actorOf(principal), id, body);
  refresh(org);
});

export const setRuleEnabledAction = validatedAction(ruleRef.extend({ enabled: z.boolean() }), async ({ org, id, enabled }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  await assertOrgRule(o.id, id);
  await updateRule(db(), o.id, actorOf(principal), id, { enabled });
  refresh(org);
});

export const deleteRuleAction = validatedAction(ruleRef, async ({ org, id }) => {
  const { principal, org: o } = await authorize(org, "org:configure");
  await assertOrgRule(o.id, id);
  await deleteRule(db(), o.id, actorOf(principal), id);
  refresh(org);
});

/** "What would match": the last 20 stored events the rule would have sent, and the last that missed it by one criterion (any member may look). */
export const ruleMatchesAction = validatedAction(ruleRef, async ({ org, id }) => {
  const { org: o } = await authorize(org, "org:read");
  return { events: await whatWouldMatch(db(), o.id, id), nearMisses: await almostMatched(db(), o.id, id) };
});
