import { and, eq, inArray } from "drizzle-orm";
import { engineOf, type Db, type DbOrTx } from "@/db/client";
import { channels, orgs, rules, type CippSettings, type Severity } from "@/db/schema";
import { createChannel, deleteChannel, updateChannel } from "@/lib/channels/service";
import type { Actor } from "@/lib/auth/permissions";
import { publicChannelConfig } from "@/lib/channels/config";
import { maskUrl } from "@/lib/channels/credential-url";
import { fieldErrorsOf } from "@/lib/validation/field-errors";
import { AppError, invalid, type FieldErrors } from "@/lib/errors";
import { orgCatalog } from "@/lib/events/catalog";
import { chatServiceOf, TEAMS_RETIRED_MESSAGE } from "@/lib/validation/channel-fields";
import { createChannelSchema, patchChannelSchema } from "@/lib/validation/channels";
import { CIPP_AUTH_TYPES, CIPP_LOG_TYPES, CIPP_SEVERITIES, type CippConfigInput } from "@/lib/validation/cipp-config";
import type { RuleBody } from "@/lib/validation/rules";
import { createRuleIn, deleteRuleIn, updateRuleIn } from "./queries";

/**
 * CIPP's notification settings (issue #19 item 7): `GET /api/ListNotificationConfig`
 * and `POST /api/ExecNotificationConfig`, CIPP's own paths and fields, mapped
 * onto what Herald has — an e-mail channel (`email`, comma-separated), a
 * channel for `webhook` whose type follows the host as CIPP's formats do
 * (Slack, Discord; Office 365 connectors are retired: 422; anything else a
 * webhook, CIPP's Standardized Alert Schema when `UseStandardizedSchema`), and
 * one org rule: `logsToInclude` → event types, `Severity` → severities, sent
 * as CIPP does — one combined message every 15 minutes, one per tenant
 * (product) with `onePerTenant`. What it made is remembered on the org, so a
 * second POST changes the same channels and rule (queued notifications stay
 * with them); `sendtoIntegration` and `includeTenantId` are kept and returned.
 */

const CIPP_RULE_NAME = "CIPP notifications";
const CIPP_DIGEST_MINUTES = 15;
const EMPTY: CippSettings = { emailChannelId: null, webhookChannelId: null, ruleId: null, sendtoIntegration: false, includeTenantId: false };

export type CippConfigView = {
  email: string;
  /** Masked: a webhook URL is a credential. */
  webhook: string;
  webhookAuthType: "None" | "Bearer" | "Basic" | "API Key Header" | "Custom Headers";
  webhookAuthUsername?: string;
  webhookAuthHeaderName?: string;
  logsToInclude: string[];
  Severity: string;
  onePerTenant: boolean;
  sendtoIntegration: boolean;
  includeTenantId: boolean;
  UseStandardizedSchema: boolean;
};

const AUTH_LABEL = { none: "None", bearer: "Bearer", basic: "Basic", apikey: "API Key Header", headers: "Custom Headers" } as const;
const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

async function settingsOf(db: DbOrTx, orgId: string): Promise<CippSettings> {
  const [row] = await db.select({ cipp: orgs.cippSettings }).from(orgs).where(eq(orgs.id, orgId)).limit(1);
  return row?.cipp ?? EMPTY;
}

export async function getCippConfig(db: DbOrTx, orgId: string): Promise<CippConfigView> {
  const settings = await settingsOf(db, orgId);
  const ids = [settings.emailChannelId, settings.webhookChannelId].filter((id): id is string => id !== null);
  const rows = ids.length
    ? await db
        .select()
        .from(channels)
        .where(and(eq(channels.orgId, orgId), inArray(channels.id, ids)))
    : [];
  const mail = rows.find((c) => c.id === settings.emailChannelId);
  const hook = rows.find((c) => c.id === settings.webhookChannelId);
  const [rule] = settings.ruleId ? await db.select().from(rules).where(eq(rules.id, settings.ruleId)).limit(1) : [];
  const auth = (hook ? publicChannelConfig(hook.type, hook.settings, hook.secretHints).auth : undefined) ?? { method: "none" as const };
  return {
    email: ((mail?.settings.recipients as string[] | undefined) ?? []).join(","),
    webhook: hook ? (hook.secretHints.url ?? maskUrl(String(hook.settings.url ?? ""))) : "",
    webhookAuthType: AUTH_LABEL[auth.method] ?? "None",
    ...(auth.username ? { webhookAuthUsername: auth.username } : {}),
    ...(auth.headerName ? { webhookAuthHeaderName: auth.headerName } : {}),
    logsToInclude: rule && rule.eventTypes !== "all" ? rule.eventTypes : [],
    Severity: (rule?.severities ?? ["alert"]).map(capitalized).join(","),
    onePerTenant: rule?.splitByProduct ?? false,
    sendtoIntegration: settings.sendtoIntegration,
    includeTenantId: settings.includeTenantId,
    UseStandardizedSchema: hook?.settings.format === "envelope",
  };
}

/** CIPP's field for each of a channel body's fields: an error names what CIPP sent. */
const CIPP_FIELD: Record<string, string> = {
  url: "webhook",
  recipients: "email",
  token: "webhookAuthToken",
  username: "webhookAuthUsername",
  password: "webhookAuthPassword",
  headerName: "webhookAuthHeaderName",
  headerValue: "webhookAuthHeaderValue",
  headers: "webhookAuthHeaders",
  method: "webhookAuthType",
};

function cippFields(fields: FieldErrors | undefined): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, messages] of Object.entries(fields ?? {})) (out[CIPP_FIELD[path.split(".").at(-1) ?? ""] ?? "webhook"] ??= []).push(...messages);
  return out;
}

/** The channel `webhook` asks for, as a create body: its type by the host, as CIPP picks its format; its auth from webhookAuthType. */
function webhookChannel(input: CippConfigInput, fields: FieldErrors): Record<string, unknown> | null {
  if (!input.webhook) return null;
  let url: URL;
  try {
    url = new URL(input.webhook);
  } catch {
    fields.webhook = ["must be an https:// URL"];
    return null;
  }
  const service = chatServiceOf(url);
  if (service === "office365") {
    fields.webhook = [TEAMS_RETIRED_MESSAGE];
    return null;
  }
  const name = "CIPP webhook";
  if (service === "slack" || service === "discord" || service === "teams") return { type: service, name, url: input.webhook };
  const method = CIPP_AUTH_TYPES[(input.webhookAuthType ?? "none").toLowerCase()];
  if (!method) {
    fields.webhookAuthType = [`must be one of None, Bearer, Basic, API Key Header, Custom Headers`];
    return null;
  }
  const auth =
    method === "bearer"
      ? { method, token: input.webhookAuthToken }
      : method === "basic"
        ? { method, username: input.webhookAuthUsername, password: input.webhookAuthPassword }
        : method === "apikey"
          ? { method, headerName: input.webhookAuthHeaderName, headerValue: input.webhookAuthHeaderValue }
          : method === "headers"
            ? { method, headers: input.webhookAuthHeaders }
            : { method };
  return { type: "webhook", name, url: input.webhook, format: input.UseStandardizedSchema ? "envelope" : "array", auth };
}

function emailChannel(input: CippConfigInput): Record<string, unknown> | null {
  const recipients = (input.email ?? "")
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return recipients.length ? { type: "email", name: "CIPP e-mail", recipients } : null;
}

/** Herald's masked form of a URL (lib/crypto/secrets maskUrl): it ends in `/****`. */
const isMasked = (url: unknown) => typeof url === "string" && url.endsWith("/****");

/**
 * Changes the channel the last save made when it is of the same type — its queue
 * stays, and a secret left out (or `SentToKeyVault`) keeps the stored one — else
 * makes a new one. Either way an error names CIPP's field.
 */
async function keepChannel(tx: Db, orgId: string, actor: Actor, existingId: string | null, body: Record<string, unknown> | null): Promise<string | null> {
  if (!body) return null;
  try {
    if (existingId) {
      const [row] = await tx
        .select({ type: channels.type })
        .from(channels)
        .where(and(eq(channels.orgId, orgId), eq(channels.id, existingId)))
        .limit(1);
      if (row?.type === body.type) {
        const { type: _type, name: _name, url, ...fields } = body;
        // The masked URL ListNotificationConfig reads back, posted again, keeps the stored one.
        await updateChannel(tx, orgId, actor, existingId, patchChannelSchema.parse(isMasked(url) ? fields : { ...fields, url }));
        return existingId;
      }
    }
    if (isMasked(body.url)) throw invalid({ url: ["is the masked URL Herald reads back: send the full URL"] });
    const parsed = createChannelSchema.safeParse(body);
    if (!parsed.success) throw invalid(fieldErrorsOf(parsed.error));
    return (await createChannel(tx, orgId, actor, parsed.data)).id;
  } catch (e) {
    if (e instanceof AppError && e.fields) throw invalid(cippFields(e.fields), e.message);
    throw e;
  }
}

export async function setCippConfig(db: Db, orgId: string, actor: Actor, input: CippConfigInput): Promise<CippConfigView> {
  const fields: FieldErrors = {};
  const mail = emailChannel(input);
  const hook = webhookChannel(input, fields);
  const catalog = new Set((await orgCatalog(db, orgId)).map((t) => t.key));
  // CIPP's log types with a Herald counterpart, or Herald's own event types.
  const eventTypes = (input.logsToInclude ?? []).flatMap((key, i) => {
    const mapped = CIPP_LOG_TYPES[key] ?? (catalog.has(key) ? [key] : null);
    if (!mapped)
      (fields[`logsToInclude.${i}`] ??= []).push(`"${key}" has no Herald event: use ${Object.keys(CIPP_LOG_TYPES).join(", ")} or a Herald event type`);
    return mapped ?? [];
  });
  const severities = (input.Severity?.length ? input.Severity : ["Alert"]).map((s, i) => {
    const severity = CIPP_SEVERITIES[s.toLowerCase()];
    if (!severity) (fields[`Severity.${i}`] ??= []).push(`"${s}" is not a severity: use Debug, Info, Warning, Error, Critical or Alert`);
    return severity;
  });
  if (Object.keys(fields).length) throw invalid(fields);

  await db.transaction(async (tx) => {
    // Two saves at once take turns (SQLite's write transactions always do).
    if (engineOf(tx) === "postgres") await tx.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, orgId)).for("update");
    const before = await settingsOf(tx, orgId);
    const emailChannelId = await keepChannel(tx as unknown as Db, orgId, actor, before.emailChannelId, mail);
    const webhookChannelId = await keepChannel(tx as unknown as Db, orgId, actor, before.webhookChannelId, hook);
    const channelIds = [emailChannelId, webhookChannelId].filter((id): id is string => id !== null);
    let ruleId = before.ruleId;
    const [ruleExists] = ruleId ? await tx.select({ id: rules.id }).from(rules).where(eq(rules.id, ruleId)).limit(1) : [];
    if (!channelIds.length) {
      if (ruleExists) await deleteRuleIn(tx, orgId, actor, ruleId!);
      ruleId = null;
    } else {
      const body: RuleBody = {
        name: CIPP_RULE_NAME,
        product: null,
        products: [],
        eventTypes: eventTypes.length ? [...new Set(eventTypes)] : "all",
        severities: [...new Set(severities as Severity[])],
        channels: channelIds,
        mode: "digest",
        digestMinutes: CIPP_DIGEST_MINUTES,
        splitByProduct: input.onePerTenant ?? false,
        enabled: true,
      };
      if (ruleExists) await updateRuleIn(tx, orgId, actor, ruleId!, body);
      else ruleId = await createRuleIn(tx, orgId, actor, body);
    }
    // Channels of the last save that this one no longer uses (the rule lets go of them first).
    for (const old of [before.emailChannelId, before.webhookChannelId]) {
      if (old && !channelIds.includes(old)) {
        const [still] = await tx
          .select({ id: channels.id })
          .from(channels)
          .where(and(eq(channels.orgId, orgId), eq(channels.id, old)))
          .limit(1);
        if (still) await deleteChannel(tx as unknown as Db, orgId, actor, old);
      }
    }
    const settings: CippSettings = {
      emailChannelId,
      webhookChannelId,
      ruleId,
      sendtoIntegration: input.sendtoIntegration ?? before.sendtoIntegration,
      includeTenantId: input.includeTenantId ?? before.includeTenantId,
    };
    await tx.update(orgs).set({ cippSettings: settings }).where(eq(orgs.id, orgId));
  });
  return getCippConfig(db, orgId);
}
