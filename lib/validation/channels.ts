import { z } from "zod";
import { CHANNEL_TYPES, SEVERITIES, type ChannelType } from "@/db/schema/values";
import { nameSchema } from "./common";

/**
 * Channel bodies (DESIGN §7.1), shared by the console form, the server action
 * and the API. `createChannelSchema` describes a complete channel;
 * `patchChannelSchema` a change to one, where a secret left out is kept, `null`
 * clears it. The domain merges a patch into the stored channel and checks the
 * result with `createChannelSchema`, so both paths apply the same rules.
 */

export const WEBHOOK_FORMATS = ["array", "envelope", "event", "scalingo", "template"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
export const AUTH_METHODS = ["none", "bearer", "basic", "apikey", "headers"] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
export const RECIPIENT_GROUPS = ["@owners", "@admins", "@product-admins"] as const;
export const MAX_RECIPIENTS = 50;
const MAX_INBOX_MEMBERS = 500;

/** Secret fields per auth method: switching methods clears the others. */
export const AUTH_SECRET_FIELDS = { none: [], bearer: ["token"], basic: ["password"], apikey: ["headerValue"], headers: ["headers"] } as const;
export const AUTH_PLAIN_FIELDS = { none: [], bearer: [], basic: ["username"], apikey: ["headerName"], headers: [] } as const;

const required = (what = "text") => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined || issue.input === null ? "is required" : `must be ${what}`),
});

// --- e-mail -----------------------------------------------------------------

const emailAddress = z.email();

/** "a, b; c" or an array → trimmed, lower-cased, de-duplicated entries. */
function addressList(value: string | string[]): string[] {
  const items = (Array.isArray(value) ? value : value.split(/[,;\n]/)).map((s) => s.trim().toLowerCase()).filter(Boolean);
  return [...new Set(items)];
}

/** "a@x.org, b@y.org" or an array: trimmed, lower-cased, de-duplicated, groups allowed. */
const recipientsSchema = z
  .union([z.string(), z.array(z.string())], required("addresses separated by commas"))
  .transform((value, ctx) => {
    const unique = addressList(value);
    for (const item of unique) {
      const ok = item.startsWith("@") ? (RECIPIENT_GROUPS as readonly string[]).includes(item) : emailAddress.safeParse(item).success;
      if (!ok) {
        ctx.addIssue({
          code: "custom",
          message: item.startsWith("@")
            ? `"${item}" is not a group; use @owners, @admins or @product-admins`
            : `"${item}" is not a valid e-mail address`,
        });
      }
    }
    if (unique.length === 0) ctx.addIssue({ code: "custom", message: "needs at least one address or group" });
    if (unique.length > MAX_RECIPIENTS) ctx.addIssue({ code: "custom", message: `has ${unique.length} recipients; at most ${MAX_RECIPIENTS}` });
    return unique;
  });

/**
 * Who sees an inbox channel's notifications: e-mail addresses of org members
 * (lower-cased, de-duplicated). Empty means every member of the org; the
 * server checks that each address belongs to a member.
 */
const inboxMembersSchema = z
  .union([z.string(), z.array(z.string())], required("e-mail addresses of members"))
  .transform((value, ctx) => {
    const unique = addressList(value);
    for (const item of unique) {
      if (!emailAddress.safeParse(item).success) ctx.addIssue({ code: "custom", message: `"${item}" is not a valid e-mail address` });
    }
    if (unique.length > MAX_INBOX_MEMBERS) ctx.addIssue({ code: "custom", message: `names ${unique.length} members; at most ${MAX_INBOX_MEMBERS}` });
    return unique;
  });

// --- URLs -------------------------------------------------------------------

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

const urlString = z.string(required("a URL")).trim().min(1, "is required").max(2048, "must be at most 2,048 characters");

/** A URL that must be https on one of the given hosts, with a path the receiver expects. */
function receiverUrl(check: (url: URL) => string | null) {
  return urlString.superRefine((value, ctx) => {
    const url = parseUrl(value);
    const problem = !url ? "must be a URL" : url.username || url.password ? "must not carry a user name or password" : check(url);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** A chat service's webhook URL: checked by `check`, on the standard port (the services listen on no other). */
function serviceUrl(check: (url: URL) => string | null) {
  return receiverUrl((url) => (url.port ? `must not name a port (:${url.port}): the service takes webhooks on 443 only` : check(url)));
}

const slackUrlSchema = serviceUrl((url) =>
  url.protocol !== "https:" || url.hostname !== "hooks.slack.com" || url.pathname.length < 2
    ? "must be a Slack incoming-webhook URL: https://hooks.slack.com/…"
    : null,
);

export const TEAMS_RETIRED_MESSAGE =
  "is an Office 365 connector URL; Microsoft retired those connectors. Create a Workflows webhook instead: in Teams, " +
  "open the channel's ⋯ menu → Workflows → \"Post to a channel when a webhook request is received\", and paste the URL it " +
  "gives (…logic.azure.com or …api.powerplatform.com)";

const teamsUrlSchema = serviceUrl((url) => {
  const service = chatServiceOf(url);
  if (service === "office365") return TEAMS_RETIRED_MESSAGE;
  return url.protocol !== "https:" || service !== "teams" || url.pathname.length < 2
    ? "must be a Teams Workflows webhook URL (https://….logic.azure.com/… or https://….api.powerplatform.com/…)"
    : null;
});

const discordUrlSchema = serviceUrl((url) =>
  url.protocol !== "https:" ||
  !["discord.com", "discordapp.com"].includes(url.hostname) ||
  !/^\/api(\/v\d+)?\/webhooks\/\d+\/[\w-]+\/?$/.test(url.pathname)
    ? "must be a Discord webhook URL: https://discord.com/api/webhooks/{id}/{token}"
    : null,
);

/**
 * The chat service a URL belongs to, if any: a generic webhook would post
 * Herald's JSON there, which the service refuses (CIPP too picks the format by
 * the host).
 */
export function chatServiceOf(url: URL): "slack" | "discord" | "office365" | "teams" | null {
  const host = url.hostname.toLowerCase();
  if (host === "hooks.slack.com") return "slack";
  if ((host === "discord.com" || host === "discordapp.com") && url.pathname.startsWith("/api/")) return "discord";
  if (host.endsWith(".webhook.office.com") || host === "outlook.office.com" || host === "outlook.office365.com") return "office365";
  // A Teams Workflows URL (Power Automate; a flow may also take other JSON, so a generic webhook may post there).
  if (host.endsWith(".logic.azure.com") || host.endsWith(".api.powerplatform.com")) return "teams";
  return null;
}

const webhookUrlSchema = receiverUrl((url) => {
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https:// (or http://) URL";
  switch (chatServiceOf(url)) {
    case "slack":
      return "is a Slack incoming-webhook URL: create a Slack channel instead (a generic webhook sends Herald's JSON, which Slack refuses)";
    case "discord":
      return "is a Discord webhook URL: create a Discord channel instead (a generic webhook sends Herald's JSON, which Discord refuses)";
    case "office365":
      return TEAMS_RETIRED_MESSAGE;
  }
  return null;
});

// --- webhook authentication -------------------------------------------------

const TOKEN_CHARS = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers Herald sets itself, or that would corrupt the request. */
const REFUSED_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "expect", "te", "trailer"]);
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Why a header name cannot be used, or null. */
function headerNameProblem(name: string): string | null {
  if (!name) return "is required";
  if (name.length > 100 || !TOKEN_CHARS.test(name)) return `"${name}" is not a valid header name`;
  const lower = name.toLowerCase();
  if (REFUSED_HEADERS.has(lower)) return `"${name}" is set by Herald itself and cannot be configured`;
  if (lower.startsWith("webhook-")) return `"${name}" is reserved for the Standard Webhooks signature headers`;
  return null;
}

const headerNameSchema = z
  .string(required("a header name"))
  .trim()
  .superRefine((name, ctx) => {
    const problem = headerNameProblem(name);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const secretValue = (max = 4096) =>
  z
    .string(required())
    .min(1, "is required")
    .max(max, `must be at most ${max} characters`)
    .regex(HEADER_VALUE, "must not contain line breaks or control characters");

/** A JSON object of header name → string value (text or an object); normalised to a JSON string. */
const customHeadersSchema = z
  .union([z.string(), z.record(z.string(), z.unknown())], required("a JSON object of header names to values"))
  .transform((value, ctx) => {
    let parsed: unknown = value;
    if (typeof value === "string") {
      try {
        parsed = JSON.parse(value);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: `is not valid JSON (${(e as Error).message})` });
        return z.NEVER;
      }
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      ctx.addIssue({ code: "custom", message: 'must be a JSON object such as {"X-Team": "ops"}' });
      return z.NEVER;
    }
    const entries = Object.entries(parsed as Record<string, unknown>);
    if (entries.length === 0) ctx.addIssue({ code: "custom", message: "needs at least one header" });
    if (entries.length > 20) ctx.addIssue({ code: "custom", message: "may name at most 20 headers" });
    const seen = new Set<string>();
    for (const [name, headerValue] of entries) {
      const problem = headerNameProblem(name);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
      if (seen.has(name.toLowerCase())) ctx.addIssue({ code: "custom", message: `"${name}" appears twice` });
      seen.add(name.toLowerCase());
      if (typeof headerValue !== "string") ctx.addIssue({ code: "custom", message: `the value of "${name}" must be a string` });
      else if (headerValue.length > 4096 || !HEADER_VALUE.test(headerValue))
        ctx.addIssue({ code: "custom", message: `the value of "${name}" must be at most 4,096 characters, without line breaks` });
    }
    return JSON.stringify(Object.fromEntries(entries));
  });

const webhookAuthSchema = z.discriminatedUnion(
  "method",
  [
    z.object({ method: z.literal("none") }),
    z.object({ method: z.literal("bearer"), token: secretValue() }),
    z.object({
      method: z.literal("basic"),
      username: z.string(required()).min(1, "is required").max(200).regex(/^[^:\r\n]*$/, "must not contain a colon or line break"),
      password: z.string(required()).max(1024, "must be at most 1,024 characters").regex(HEADER_VALUE, "must not contain line breaks"),
    }),
    z.object({ method: z.literal("apikey"), headerName: headerNameSchema, headerValue: secretValue() }),
    z.object({ method: z.literal("headers"), headers: customHeadersSchema }),
  ],
  { error: () => `must be one of ${AUTH_METHODS.join(", ")}` },
);

const signingSecretSchema = z
  .string()
  .trim()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, "must be a Standard Webhooks secret: whsec_ followed by base64")
  // Standard Webhooks: a key of 24 to 64 bytes.
  .refine((value) => {
    const bytes = Buffer.from(value.slice("whsec_".length), "base64").length;
    return bytes >= 24 && bytes <= 64;
  }, "must hold a key of 24 to 64 bytes (Standard Webhooks)");

export type FloodLimit = { limit: number; minutes: number };

/** Flood control's default: on where people read (chat, e-mail), off where a machine does, which wants every event. */
export const DEFAULT_FLOOD: Record<ChannelType, FloodLimit | null> = {
  slack: { limit: 30, minutes: 5 },
  teams: { limit: 30, minutes: 5 },
  discord: { limit: 30, minutes: 5 },
  email: { limit: 30, minutes: 5 },
  webhook: null,
  inbox: null,
};

export const FLOOD_BOUNDS = { limit: { min: 1, max: 10_000 }, minutes: { min: 1, max: 1_440 } } as const;

/** Flood control (lib/events/flood.ts): more than `limit` notifications from one source in `minutes` become one summary; null turns it off. */
const floodSchema = z
  .object({
    limit: z
      .number({ error: "must be a whole number" })
      .int({ error: "must be a whole number" })
      .min(FLOOD_BOUNDS.limit.min, { error: `must be at least ${FLOOD_BOUNDS.limit.min}` })
      .max(FLOOD_BOUNDS.limit.max, { error: `must be at most ${FLOOD_BOUNDS.limit.max.toLocaleString("en")}` }),
    minutes: z
      .number({ error: "must be a whole number of minutes" })
      .int({ error: "must be a whole number of minutes" })
      .min(FLOOD_BOUNDS.minutes.min, { error: `must be at least ${FLOOD_BOUNDS.minutes.min}` })
      .max(FLOOD_BOUNDS.minutes.max, { error: `must be at most ${FLOOD_BOUNDS.minutes.max} (a day)` }),
  })
  .nullable()
  .describe("flood control: more than `limit` notifications from one product (or the org's own events) within `minutes` become one summary per window; null: off. Default: 30 in 5 min for Slack, Teams, Discord and e-mail; off for webhooks and the inbox");

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const clockTime = z.string({ error: "must be a time as HH:MM" }).regex(CLOCK_TIME, { error: "must be a time as HH:MM (00:00 to 23:59)" });

/** Quiet hours (lib/events/quiet-hours.ts): outside working hours only `minSeverity` and above go out at once; null turns them off. */
export const quietHoursSchema = z
  .object({
    timezone: z.string({ error: "must be a time zone" }).refine(isTimeZone, { error: "must be an IANA time zone, e.g. Europe/Paris or UTC" }),
    days: z
      .array(z.number().int().min(0).max(6), { error: "must be a list of weekdays, 0 (Sunday) to 6 (Saturday)" })
      .min(1, { error: "name at least one working day" })
      .max(7)
      .transform((days) => [...new Set(days)].sort()),
    start: clockTime,
    end: clockTime,
    minSeverity: z.enum(SEVERITIES, { error: () => `must be one of ${SEVERITIES.join(", ")}` }),
  })
  // Compared only once both are times: a wrong start is named once, not also as an end before it.
  .refine((q) => !CLOCK_TIME.test(q.start) || !CLOCK_TIME.test(q.end) || q.start < q.end, { path: ["end"], error: "must be after the start (working hours within one day)" })
  .nullable()
  .describe(
    "quiet hours: outside `start`–`end` (local time in `timezone`) on the working `days` (0 = Sunday), only events of `minSeverity` and above go out at once; the rest wait in one digest sent when working hours begin. null: off (the default)",
  );

/** Longest template source a channel keeps (title, body). */
export const TEMPLATE_MAX_CHARS = 10_000;

export type MessageTemplate = { title?: string | null; body?: string | null };

/**
 * A channel's message template in Liquid (lib/channels/template.ts): for chat and e-mail a title and a
 * body, for a webhook whose format is "template" the JSON body. null: Herald's own format.
 */
export const templateSchema = z
  .object({
    title: z.string({ error: "must be text" }).max(500, { error: "must be at most 500 characters" }).nullable().optional(),
    body: z.string({ error: "must be text" }).max(TEMPLATE_MAX_CHARS, { error: `must be at most ${TEMPLATE_MAX_CHARS.toLocaleString("en")} characters` }).nullable().optional(),
  })
  .nullable()
  .describe(
    "message template in Liquid: `title` and `body` for chat and e-mail (one message per delivery), `body` (JSON) for a webhook whose format is template. Sees `event`, `events`, `count`, `severity`; checked at save against sample events",
  );

// --- whole channels ---------------------------------------------------------

const base = {
  name: nameSchema,
  enabled: z.boolean().default(true),
  skipTest: z
    .boolean({ error: "must be true or false" })
    .optional()
    .describe("API: create the channel without sending it a test notification first (a failed test refuses the channel)"),
  flood: floodSchema.optional(),
  quietHours: quietHoursSchema.optional(),
};

export const createChannelSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("email"), ...base, recipients: recipientsSchema, template: templateSchema.optional() }),
    z.object({ type: z.literal("slack"), ...base, url: slackUrlSchema, template: templateSchema.optional() }),
    z.object({ type: z.literal("teams"), ...base, url: teamsUrlSchema, template: templateSchema.optional() }),
    z.object({ type: z.literal("discord"), ...base, url: discordUrlSchema, template: templateSchema.optional() }),
    z.object({
      type: z.literal("webhook"),
      ...base,
      url: webhookUrlSchema,
      format: z.enum(WEBHOOK_FORMATS, { error: () => `must be one of ${WEBHOOK_FORMATS.join(", ")}` }).default("array"),
      auth: webhookAuthSchema.default({ method: "none" }),
      signingSecret: signingSecretSchema.optional(),
      template: templateSchema.optional(),
    }).refine((w) => w.format !== "template" || Boolean(w.template?.body?.trim()), { path: ["template", "body"], error: "is required when the format is template: the JSON body to send" }),
    z.object({ type: z.literal("inbox"), ...base, members: inboxMembersSchema.default([]) }),
  ],
  { error: () => `must be one of ${CHANNEL_TYPES.join(", ")}` },
);
export type ChannelInput = z.output<typeof createChannelSchema>;

/** A secret in a patch: a new value, `null` to clear, absent (or the `{configured:true}` read back) to keep. */
const secretPatch = z
  .union([z.string(), z.null(), z.object({ configured: z.boolean() }).loose()])
  .optional()
  .transform((v) => (v !== null && typeof v === "object" ? undefined : v));

export const patchChannelSchema = z.object({
  type: z.enum(CHANNEL_TYPES).optional(),
  name: nameSchema.optional(),
  enabled: z.boolean().optional(),
  recipients: z.union([z.string(), z.array(z.string())]).optional(),
  members: z.union([z.string(), z.array(z.string()), z.null()]).optional(),
  url: secretPatch,
  format: z.enum(WEBHOOK_FORMATS, { error: () => `must be one of ${WEBHOOK_FORMATS.join(", ")}` }).optional(),
  auth: z
    .object({
      method: z.enum(AUTH_METHODS, { error: () => `must be one of ${AUTH_METHODS.join(", ")}` }).optional(),
      token: secretPatch,
      username: z.string().optional(),
      password: secretPatch,
      headerName: z.string().optional(),
      headerValue: secretPatch,
      headers: z.union([secretPatch, z.record(z.string(), z.unknown())]),
    })
    .optional(),
  signingSecret: secretPatch,
  template: templateSchema.optional(),
  flood: floodSchema.optional(),
  quietHours: quietHoursSchema.optional(),
});
export type PatchChannelInput = z.output<typeof patchChannelSchema>;
