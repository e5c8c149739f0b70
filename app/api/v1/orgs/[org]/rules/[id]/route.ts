import { db } from "@/db/client";
import { deleteRuleEndpoint, getRuleEndpoint, updateRuleEndpoint } from "@/lib/api/endpoints/rules";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { assertMayEditRule } from "@/lib/rules/access";
import { deleteRule, getRule, ruleRow, updateRule } from "@/lib/rules/queries";

export const dynamic = "force-dynamic";

export const GET = handle(getRuleEndpoint, async ({ org, params }) => ({ rule: await getRule(db(), org.id, params.id) }));

export const PATCH = handle(updateRuleEndpoint, async ({ org, principal, params, body }) => {
  assertMayEditRule(principal, (await ruleRow(db(), org.id, params.id)).productId);
  return { rule: await updateRule(db(), org.id, actorOf(principal), params.id, body) };
});

export const DELETE = handle(deleteRuleEndpoint, async ({ org, principal, params }) => {
  assertMayEditRule(principal, (await ruleRow(db(), org.id, params.id)).productId);
  await deleteRule(db(), org.id, actorOf(principal), params.id);
});
