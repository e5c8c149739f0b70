import { z } from "zod";
import { SEVERITIES } from "@/db/schema/values";
import { nameSchema } from "./common";

/**
 * The building blocks of channel bodies (DESIGN §7.1): what every type has
 * (name, flood control, quiet hours, a message template) and the checks
 * several types share (URLs, address lists). Each type's own fields are in
 * its folder, lib/channels/<type>/index.ts; lib/validation/channels.ts puts
 * them together.
 */

export const required = (what = "text") => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined || issue.input === null ? "is required" : `must be ${what}`),
});

// --- addresses --------------------------------------------------------------

export const emailAddress = z.email();

/** "a, b; c" or an array → trimmed, lower-cased, de-duplicated entries. */
export function addressList(value: string | string[]): string[] {
  const items = (Array.isArray(value) ? value : value.split(/[,;\n]/)).map((s) => s.trim().toLowerCase()).filter(Boolean);
  return [...new Set(items)];
}

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
export function receiverUrl(check: (url: URL) => string | null) {
  return urlString.superRefine((value, ctx) => {
    const url = parseUrl(value);
    const problem = !url ? "must be a URL" : url.username || url.password ? "must not carry a user name or password" : check(url);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** A chat service's webhook URL: checked by `check`, on the standard port (the services listen on no other). */
export function serviceUrl(check: (url: URL) => string | null) {
  return receiverUrl((url) => (url.port ? `must not name a port (:${url.port}): the service takes webhooks on 443 only` : check(url)));
}

export const TEAMS_RETIRED_MESSAGE =
  "is an Office 365 connector URL; Microsoft retired those connectors. Create a Workflows webhook instead: in Teams, " +
  'open the channel\'s ⋯ menu → Workflows → "Post to a channel when a webhook request is received", and paste the URL it ' +
  "gives (…logic.azure.com or …api.powerplatform.com)";

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

// --- what every type has ----------------------------------------------------

export type FloodLimit = { limit: number; minutes: number };

export const FLOOD_BOUNDS = { limit: { min: 1, max: 10_000 }, minutes: { min: 1, max: 1_440 } } as const;

/** Flood control (lib/events/flood.ts): more than `limit` notifications from one source in `minutes` become one summary; null turns it off. */
export const floodSchema = z
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
  .describe(
    "flood control: more than `limit` notifications from one product (or the org's own events) within `minutes` become one summary per window; null: off. Default: 30 in 5 min for Slack, Teams, Discord and e-mail; off for webhooks and the inbox",
  );

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
  .refine((q) => !CLOCK_TIME.test(q.start) || !CLOCK_TIME.test(q.end) || q.start < q.end, {
    path: ["end"],
    error: "must be after the start (working hours within one day)",
  })
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
    body: z
      .string({ error: "must be text" })
      .max(TEMPLATE_MAX_CHARS, { error: `must be at most ${TEMPLATE_MAX_CHARS.toLocaleString("en")} characters` })
      .nullable()
      .optional(),
  })
  .nullable()
  .describe(
    "message template in Liquid: `title` and `body` for chat and e-mail (one message per delivery), `body` (JSON) for a webhook whose format is template. Sees `event`, `events`, `count`, `severity`; checked at save against sample events",
  );

/** The fields every channel type has, beside its own (lib/channels/<type>/index.ts). */
export const channelBase = {
  name: nameSchema,
  enabled: z.boolean().default(true),
  skipTest: z
    .boolean({ error: "must be true or false" })
    .optional()
    .describe("API: create the channel without sending it a test notification first (a failed test refuses the channel)"),
  flood: floodSchema.optional(),
  quietHours: quietHoursSchema.optional(),
};
