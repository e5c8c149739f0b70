import { db } from "@/db/client";
import { deleteRuleEndpoint, getRuleEndpoint, updateRuleEndpoint } from "@/lib/api/endpoints/rules";
import { handle } from "@/lib/api/handler";
import { actorOf } from "@/lib/auth/permissions";
import { assertMayEditRule } from "@/lib/rules/access";
import { deleteRule, getRule, ruleRow, updateRule } from "@/lib/rules/queries";

export const dynamic = "force-dynamic";

export const GET = handle(getRuleEndpoint, ({ org, params }) => ({ rule: getRule(db(), org.id, params.id) }));

export const PATCH = handle(updateRuleEndpoint, ({ org, principal, params, body }) => {
  assertMayEditRule(principal, ruleRow(db(), org.id, params.id).productId);
  return { rule: updateRule(db(), org.id, actorOf(principal), params.id, body) };
});

export const DELETE = handle(deleteRuleEndpoint, ({ org, principal, params }) => {
  assertMayEditRule(principal, ruleRow(db(), org.id, params.id).productId);
  deleteRule(db(), org.id, actorOf(principal), params.id);
});
