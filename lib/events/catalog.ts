import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { eventTypes, type Severity } from "@/db/schema";

/** Where an event type may occur: in the org itself, in one product, or either (log lines). */
export type EventScope = "org" | "product" | "any";

export type EventType = {
  key: string;
  scope: EventScope;
  title: string;
  description: string;
  defaultSeverity: Severity;
  builtIn: boolean;
};

const builtIn = (key: string, scope: EventScope, defaultSeverity: Severity, title: string, description: string): EventType => ({
  key,
  scope,
  title,
  description,
  defaultSeverity,
  builtIn: true,
});

/** The built-in catalog (DESIGN §3), present in every org. */
export const BUILT_IN_EVENT_TYPES: readonly EventType[] = [
  builtIn("account.created", "org", "info", "Account created", "A member was added to the organization in Herald."),
  builtIn("account.removed", "org", "info", "Account removed", "A member was removed from the organization in Herald."),
  builtIn("channel.created", "org", "info", "Channel created", "A notification channel was added."),
  builtIn("channel.removed", "org", "info", "Channel removed", "A notification channel was deleted."),
  builtIn("rule.created", "org", "info", "Rule created", "A notification rule was added."),
  builtIn("rule.removed", "org", "info", "Rule removed", "A notification rule was deleted."),
  builtIn("token.created", "org", "warning", "API token created", "An API token was created."),
  builtIn("token.revoked", "org", "warning", "API token revoked", "An API token was revoked."),
  builtIn("silence.created", "org", "info", "Silence created", "Notifications matching a silence are kept quiet until it ends."),
  builtIn("silence.expired", "org", "info", "Silence expired", "A silence was ended before its time."),
  builtIn("storage.unhealthy", "org", "critical", "Storage unhealthy", "Herald's database cannot be written or its disk is nearly full."),
  builtIn("integration.unhealthy", "org", "error", "Integration unhealthy", "A channel became failing or disabled."),
  builtIn(
    "channel.flooded",
    "org",
    "warning",
    "Channel flooded",
    "One source sent a channel more notifications than its flood limit: the rest come as one summary per window.",
  ),
  builtIn("product.compliance_changed", "product", "warning", "Compliance changed", "A product's compliance status changed."),
  builtIn("product.released", "product", "info", "Product released", "A new version of a product was released."),
  builtIn("deployment.succeeded", "product", "info", "Deployment succeeded", "A deployment of a product finished successfully."),
  builtIn("deployment.failed", "product", "error", "Deployment failed", "A deployment of a product failed."),
  builtIn("billing.credits_low", "org", "warning", "Credits low", "The organization's credits are running low."),
  builtIn("log.entry", "any", "info", "Log entry", "Any log line, with its own severity (CIPP logbook)."),
];

const BUILT_IN_BY_KEY = new Map(BUILT_IN_EVENT_TYPES.map((t) => [t.key, t]));

export function isBuiltInEventType(key: string): boolean {
  return BUILT_IN_BY_KEY.has(key);
}

/** One type of the org's catalog by key (built-in or the org's own), or undefined — what ingest checks per event. */
export async function findEventType(db: DbOrTx, orgId: string, key: string): Promise<Pick<EventType, "key" | "scope" | "defaultSeverity"> | undefined> {
  const builtInType = BUILT_IN_BY_KEY.get(key);
  if (builtInType) return builtInType;
  const [custom] = await db
    .select({ key: eventTypes.key, scope: eventTypes.scope, defaultSeverity: eventTypes.defaultSeverity })
    .from(eventTypes)
    .where(and(eq(eventTypes.orgId, orgId), eq(eventTypes.key, key)))
    .limit(1);
  return custom;
}

/** The org's whole catalog: built-in types, then the types it added, by key. */
export async function orgCatalog(db: DbOrTx, orgId: string): Promise<EventType[]> {
  const custom = (await db.select().from(eventTypes).where(eq(eventTypes.orgId, orgId))).map((t) => ({
    key: t.key,
    scope: t.scope,
    title: t.title,
    description: t.description,
    defaultSeverity: t.defaultSeverity,
    builtIn: false,
  }));
  return [...BUILT_IN_EVENT_TYPES, ...custom.sort((a, b) => a.key.localeCompare(b.key))];
}
