import { z } from "zod";
import { SEVERITIES, type Severity } from "@/db/schema/values";

/**
 * CIPP's notification settings as its API takes them (issue #19 item 7):
 * `POST /api/ExecNotificationConfig`. CIPP's own front end sends selects as
 * `[{label, value}]`; scripts send strings or arrays of strings: all are taken.
 * The webhook's authentication fields are named after CIPP's settings
 * (Webhook Bearer Token → webhookAuthToken, …): its document names no keys.
 */

/** "Alert,Error", ["Alert", "Error"] or [{value: "Alert"}, …] → ["Alert", "Error"]. */
const choices = z
  .union([z.string(), z.array(z.union([z.string(), z.object({ value: z.string() }).loose()]))], { error: "must be a comma-separated string or a list" })
  .transform((v) =>
    (typeof v === "string" ? v.split(",") : v.map((c) => (typeof c === "string" ? c : c.value))).map((s) => s.trim()).filter((s) => s && s !== "None"),
  );

/** `"Bearer"` or `{value: "Bearer"}`. */
const choice = z
  .union([z.string(), z.object({ value: z.string() }).loose()], { error: "must be a string" })
  .transform((v) => (typeof v === "string" ? v : v.value).trim());

const flag = z.union([z.boolean(), z.enum(["true", "false"])], { error: "must be true or false" }).transform((v) => v === true || v === "true");

/** CIPP's auth types (its settings page's words and the plain ones) → Herald's webhook auth methods. */
export const CIPP_AUTH_TYPES: Record<string, "none" | "bearer" | "basic" | "apikey" | "headers"> = {
  none: "none",
  bearer: "bearer",
  "bearer token": "bearer",
  basic: "basic",
  "basic auth": "basic",
  apikey: "apikey",
  "api key": "apikey",
  "api key header": "apikey",
  customheaders: "headers",
  "custom headers": "headers",
  "custom headers (json)": "headers",
};

/** CIPP's logbook severities → Herald's (CIPP writes "Warn" too). */
export const CIPP_SEVERITIES: Record<string, Severity> = Object.fromEntries([
  ...SEVERITIES.map((s) => [s, s] as const),
  ["warn", "warning"] as const,
  ["information", "info"] as const,
]);

/**
 * CIPP's log types (its "logs to include" values) that Herald has platform events
 * for; the others are CIPP's Microsoft 365 actions, which Herald never raises.
 */
export const CIPP_LOG_TYPES: Record<string, readonly string[]> = {
  AddUser: ["account.created"],
  ExecOffboardUser: ["account.removed"],
  Standards: ["rule.created", "rule.removed"],
  TokensUpdater: ["token.created", "token.revoked"],
};

/**
 * A stored secret is kept when the field is left out, empty, CIPP's own stored
 * marker `SentToKeyVault`, or the `{configured, hint}` Herald reads back — so a
 * configuration read with ListNotificationConfig and posted back changes nothing.
 */
const KEEP_SECRET = "SentToKeyVault";
const secret = (max: number) =>
  z
    .union([z.string().max(max, `must be at most ${max.toLocaleString("en-US")} characters`), z.null(), z.object({ configured: z.boolean() }).loose()], {
      error: "must be text",
    })
    .optional()
    .transform((v) => (v === null || v === undefined || v === "" || v === KEEP_SECRET || typeof v === "object" ? undefined : v));

const FIELDS = [
  "email",
  "webhook",
  "webhookAuthType",
  "webhookAuthToken",
  "webhookAuthUsername",
  "webhookAuthPassword",
  "webhookAuthHeaderName",
  "webhookAuthHeaderValue",
  "webhookAuthHeaders",
  "logsToInclude",
  "Severity",
  "onePerTenant",
  "sendtoIntegration",
  "includeTenantId",
  "UseStandardizedSchema",
] as const;
const CANONICAL = new Map<string, string>(FIELDS.map((f) => [f.toLowerCase(), f]));

/** CIPP reads its body through PowerShell, whose property names are case-insensitive (`onepertenant` finds `onePerTenant`): so does Herald. */
const canonicalKeys = (body: unknown) =>
  body && typeof body === "object" && !Array.isArray(body)
    ? Object.fromEntries(Object.entries(body).map(([k, v]) => [CANONICAL.get(k.toLowerCase()) ?? k, v]))
    : body;

const cippFields = z.object({
  email: z.string().max(5000, "must be at most 5,000 characters").optional(),
  webhook: z.string().trim().max(2000, "must be at most 2,000 characters").optional(),
  webhookAuthType: choice.optional(),
  webhookAuthToken: secret(4096),
  webhookAuthUsername: z.string().max(200).optional(),
  webhookAuthPassword: secret(1024),
  webhookAuthHeaderName: z.string().max(200).optional(),
  webhookAuthHeaderValue: secret(4096),
  webhookAuthHeaders: z
    .union([z.string(), z.null(), z.record(z.string(), z.unknown())])
    .optional()
    .transform((v) => (v === null || v === undefined || v === "" || v === KEEP_SECRET || (typeof v === "object" && "configured" in v) ? undefined : v)),
  logsToInclude: choices.optional(),
  Severity: choices.optional(),
  onePerTenant: flag.optional(),
  sendtoIntegration: flag.optional(),
  includeTenantId: flag.optional(),
  UseStandardizedSchema: flag.optional(),
});
export const cippConfigSchema = z.preprocess(canonicalKeys, cippFields);
export type CippConfigInput = z.output<typeof cippConfigSchema>;
