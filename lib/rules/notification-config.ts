import type { Db, DbOrTx } from "@/db/client";
import { SEVERITIES } from "@/db/schema/values";
import { listChannels, type PublicChannel } from "@/lib/channels/service";
import type { Actor } from "@/lib/auth/permissions";
import { invalid } from "@/lib/errors";
import { orgCatalog, type EventType } from "@/lib/events/catalog";
import type { NotificationConfigInput } from "@/lib/validation/notification-config";
import { DEFAULT_SEVERITIES, DIGEST_WINDOWS, RULE_MODES } from "@/lib/validation/rules";
import { createRuleIn, deleteRuleIn, listRules, updateRuleIn, type RuleView } from "./queries";

/**
 * The CIPP-style notification settings in one object
 * (`GET/POST /api/v1/notification-config?org=…`): the org's channels
 * (masked), its org rules, the severity scale and the options a rule takes.
 * A POST sends the org rules as a whole — listed with an id = changed,
 * without = created, left out = removed — checked like the console's form,
 * in one transaction. Product rules are set per product and not touched, nor
 * are the rules of Clever Cloud hooks (changed through that API).
 */

export type NotificationConfig = {
  org: string;
  channels: PublicChannel[];
  rules: RuleView[];
  eventTypes: EventType[];
  severities: typeof SEVERITIES;
  options: {
    modes: typeof RULE_MODES;
    digestMinutes: typeof DIGEST_WINDOWS;
    defaultSeverities: typeof DEFAULT_SEVERITIES;
  };
};

export async function getNotificationConfig(db: DbOrTx, org: { id: string; slug: string }): Promise<NotificationConfig> {
  return {
    org: org.slug,
    channels: await listChannels(db, org.id),
    rules: await listRules(db, org.id, { productId: null }),
    eventTypes: await orgCatalog(db, org.id),
    severities: SEVERITIES,
    options: { modes: RULE_MODES, digestMinutes: DIGEST_WINDOWS, defaultSeverities: DEFAULT_SEVERITIES },
  };
}

export async function setNotificationConfig(
  db: Db,
  org: { id: string; slug: string },
  actor: Actor,
  input: NotificationConfigInput,
): Promise<NotificationConfig> {
  return db.transaction(async (tx) => {
    // Rules another API manages (a Clever Cloud hook's, the default deployment e-mails') are left to it.
    const current = new Map((await listRules(tx, org.id, { productId: null })).filter((r) => !r.notificationId).map((r) => [r.id, r]));
    const kept = new Set<string>();
    for (const [i, { id, ...body }] of input.rules.entries()) {
      const prefix = `rules.${i}.`;
      if (body.product) throw invalid({ [`${prefix}product`]: ["product rules are set per product (POST /api/v1/orgs/{org}/rules)"] });
      if (id === undefined) {
        await createRuleIn(tx, org.id, actor, body, { fieldPrefix: prefix });
        continue;
      }
      if (!current.has(id) || kept.has(id)) throw invalid({ [`${prefix}id`]: [kept.has(id) ? "is listed twice" : `unknown org rule "${id}"`] });
      kept.add(id);
      await updateRuleIn(tx, org.id, actor, id, body, { fieldPrefix: prefix });
    }
    for (const rule of current.values()) if (!kept.has(rule.id)) await deleteRuleIn(tx, org.id, actor, rule.id);
    return getNotificationConfig(tx, org);
  });
}
