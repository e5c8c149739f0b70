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
  .transform((v) => (typeof v === "string" ? v.split(",") : v.map((c) => (typeof c === "string" ? c : c.value))).map((s) => s.trim()).filter((s) => s && s !== "None"));

/** `"Bearer"` or `{value: "Bearer"}`. */
const choice = z.union([z.string(), z.object({ value: z.string() }).loose()], { error: "must be a string" }).transform((v) => (typeof v === "string" ? v : v.value).trim());

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
export const CIPP_SEVERITIES: Record<string, Severity> = Object.fromEntries([...SEVERITIES.map((s) => [s, s] as const), ["warn", "warning"] as const, ["information", "info"] as const]);

export const cippConfigSchema = z.object({
  email: z.string().max(5000, "must be at most 5,000 characters").optional(),
  webhook: z.string().trim().max(2000, "must be at most 2,000 characters").optional(),
  webhookAuthType: choice.optional(),
  webhookAuthToken: z.string().max(4096).optional(),
  webhookAuthUsername: z.string().max(200).optional(),
  webhookAuthPassword: z.string().max(1024).optional(),
  webhookAuthHeaderName: z.string().max(200).optional(),
  webhookAuthHeaderValue: z.string().max(4096).optional(),
  webhookAuthHeaders: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  logsToInclude: choices.optional(),
  Severity: choices.optional(),
  onePerTenant: flag.optional(),
  sendtoIntegration: flag.optional(),
  includeTenantId: flag.optional(),
  UseStandardizedSchema: flag.optional(),
});
export type CippConfigInput = z.output<typeof cippConfigSchema>;
