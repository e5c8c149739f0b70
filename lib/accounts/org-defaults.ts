import type { DbOrTx } from "@/db/client";
import { channels, ruleChannels, rules, SEVERITIES } from "@/db/schema";
import { recordAudit } from "@/lib/audit";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { env } from "@/lib/env";
import { newId } from "@/lib/ids";
import { DEFAULT_EMAILHOOK_NAME } from "@/lib/rules/clever-hooks";
import { notificationRuleId } from "@/lib/rules/queries";

/**
 * What a new org starts with, so an install works out of the box with no
 * outside service: the console inbox as a channel, and two org rules that
 * owners may edit or delete — Herald's own health events, and every product's
 * deployment results (Clever Cloud's default deployment hook). When Herald can
 * send e-mail (SMTP_URL), also Clever Cloud's "Default deployment result
 * e-mails" to the owners: an e-mail hook (lib/rules/clever-hooks.ts), deletable
 * through that API like any other.
 */
const DEFAULT_RULES = [
  { name: "Herald health", eventTypes: ["integration.unhealthy", "storage.unhealthy", "channel.flooded"] },
  { name: "Default deployment results", eventTypes: ["deployment.succeeded", "deployment.failed"] },
] as const;

export async function createOrgDefaults(tx: DbOrTx, orgId: string) {
  const now = new Date();
  const inbox = { id: newId("ch"), orgId, type: "inbox" as const, name: "Console inbox", settings: {}, createdAt: now, updatedAt: now };
  await tx.insert(channels).values(inbox);
  await recordAudit(tx, {
    orgId,
    actor: SYSTEM_ACTOR,
    action: "channel.created",
    target: { type: "channel", id: inbox.id, label: inbox.name },
    details: { type: "inbox", default: true },
  });
  for (const rule of DEFAULT_RULES) {
    const id = newId("rul");
    await tx
      .insert(rules)
      .values({ id, orgId, name: rule.name, eventTypes: [...rule.eventTypes], severities: [...SEVERITIES], mode: "immediate", createdAt: now, updatedAt: now });
    await tx.insert(ruleChannels).values({ ruleId: id, channelId: inbox.id });
    await recordAudit(tx, { orgId, actor: SYSTEM_ACTOR, action: "rule.created", target: { type: "rule", id, label: rule.name }, details: { default: true } });
  }
  if (env().SMTP_URL) {
    const mail = {
      id: newId("ch"),
      orgId,
      type: "email" as const,
      name: DEFAULT_EMAILHOOK_NAME,
      settings: { recipients: ["@owners"] },
      createdAt: now,
      updatedAt: now,
    };
    await tx.insert(channels).values(mail);
    await recordAudit(tx, {
      orgId,
      actor: SYSTEM_ACTOR,
      action: "channel.created",
      target: { type: "channel", id: mail.id, label: mail.name },
      details: { type: "email", default: true },
    });
    const ruleId = notificationRuleId(mail.id);
    await tx.insert(rules).values({
      id: ruleId,
      orgId,
      name: DEFAULT_EMAILHOOK_NAME,
      eventTypes: ["deployment.succeeded", "deployment.failed"],
      severities: [...SEVERITIES],
      mode: "immediate",
      createdAt: now,
      updatedAt: now,
    });
    await tx.insert(ruleChannels).values({ ruleId, channelId: mail.id });
    await recordAudit(tx, {
      orgId,
      actor: SYSTEM_ACTOR,
      action: "rule.created",
      target: { type: "rule", id: ruleId, label: DEFAULT_EMAILHOOK_NAME },
      details: { default: true },
    });
  }
  return { inboxChannelId: inbox.id };
}
