import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";
import { ATTEMPT_OUTCOMES, CHANNEL_HEALTH, CHANNEL_TYPES, SEVERITIES } from "@/db/schema/values";
import { AUTH_METHODS, WEBHOOK_FORMATS } from "@/lib/channels/webhook";
import { createChannelSchema, patchChannelSchema } from "@/lib/validation/channels";

/** A secret as it reads back: never the value. */
const secretOut = z.object({ configured: z.literal(true), hint: z.string() }).nullable();

const channelOut = z.object({
  id: z.string(),
  type: z.enum(CHANNEL_TYPES),
  name: z.string(),
  enabled: z.boolean().describe("the switch; Herald sends to the channel while it is on and health is not disabled (POST …/enable re-enables both)"),
  productId: z.string().nullable(),
  recipients: z.array(z.string()).optional().describe("email: addresses and groups (@owners, @admins, @product-admins)"),
  members: z.array(z.string()).optional().describe("inbox: e-mail addresses of the members who see it; empty means every member"),
  url: z.union([z.string(), secretOut]).optional().describe("webhook: the URL; slack/teams/discord: a masked secret"),
  format: z.enum(WEBHOOK_FORMATS).optional(),
  auth: z
    .object({
      method: z.enum(AUTH_METHODS),
      username: z.string().optional(),
      headerName: z.string().optional(),
      token: secretOut.optional(),
      password: secretOut.optional(),
      headerValue: secretOut.optional(),
      headers: secretOut.optional(),
    })
    .optional(),
  signingSecret: secretOut.optional(),
  target: z.string().describe("where messages go, masked where it is a secret"),
  health: z.enum(CHANNEL_HEALTH),
  consecutiveFailures: z.number().int(),
  lastError: z.string().nullable(),
  lastErrorSentence: z.string().nullable().describe('lastError as the console shows it, e.g. "The receiver answered 503 Service Unavailable."'),
  lastErrorAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  flood: z
    .object({ limit: z.number().int(), minutes: z.number().int() })
    .nullable()
    .describe(
      "flood control: more than `limit` notifications from one product (or the org's own events) within `minutes` become one summary per window; null: off",
    ),
  quietHours: z
    .object({ timezone: z.string(), days: z.array(z.number().int()), start: z.string(), end: z.string(), minSeverity: z.enum(SEVERITIES) })
    .nullable()
    .describe(
      "quiet hours: outside start–end (local, in timezone) on the working days (0 = Sunday), events below minSeverity wait for working hours in one digest; null: off",
    ),
  lastAttempt: z
    .object({
      at: z.string().describe("when it was sent"),
      outcome: z
        .enum(ATTEMPT_OUTCOMES)
        .describe("retry: failed, another attempt is scheduled; throttled: the receiver asked to slow down; failed / dead: given up"),
      durationMs: z.number().int(),
      statusCode: z.number().int().nullable().describe("HTTP status or SMTP reply code; null when no answer came (timeout, refused connection)"),
    })
    .nullable()
    .describe("the channel's last attempt, test alerts aside; a newer one with the same outcome within a second may not be shown yet"),
  last24h: z
    .object({ since: z.string(), delivered: z.number().int(), failed: z.number().int().describe("failed or dead") })
    .describe("deliveries the channel finished since `since`: the start of the hour 24 hours ago, test alerts aside"),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const ruleRef = z.object({ id: z.string(), name: z.string() });

export const listChannelsEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/channels",
  summary: "List the org's channels (secrets masked)",
  tag: "Channels",
  permission: "org:read",
  response: z.object({ channels: z.array(channelOut) }),
});

export const createChannelEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/channels",
  summary:
    "Create a channel (e-mail, Slack, Teams, Discord, webhook, inbox). A test notification is sent to the receiver first, " +
    'and a failed test refuses the channel with 422 naming what the receiver answered; "skipTest": true creates it untested.',
  tag: "Channels",
  permission: "org:configure",
  body: createChannelSchema,
  example: { type: "webhook", name: "ops-webhook", url: "https://example.com/herald-hook", auth: { method: "bearer", token: "receiver-token-1" } },
  response: z.object({ channel: channelOut }),
  status: 201,
});

export const getChannelEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/channels/{id}",
  summary: "Show a channel (secrets masked)",
  tag: "Channels",
  permission: "org:read",
  response: z.object({ channel: channelOut }),
});

export const updateChannelEndpoint = endpoint({
  method: "PATCH",
  path: "/api/v1/orgs/{org}/channels/{id}",
  summary: "Change a channel: a secret left out is kept, null clears it; a new auth method drops the old credentials",
  tag: "Channels",
  permission: "org:configure",
  body: patchChannelSchema,
  example: { auth: { token: "receiver-token-2" } },
  response: z.object({ channel: channelOut }),
});

export const deleteChannelEndpoint = endpoint({
  method: "DELETE",
  path: "/api/v1/orgs/{org}/channels/{id}",
  summary: "Delete a channel and remove it from the rules that use it; 409, naming them, while it is the only channel of a rule (that rule would send nowhere)",
  tag: "Channels",
  permission: "org:configure",
  response: z.object({ deleted: z.literal(true), removedFromRules: z.array(ruleRef) }),
});

export const testChannelEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/channels/{id}/test",
  summary: "Send one sample notification now and report the outcome (does not change the channel's health)",
  tag: "Channels",
  permission: "org:configure",
  response: z.object({ ok: z.boolean(), status: z.number().int().optional(), durationMs: z.number(), error: z.string().optional() }),
});

export const revealSigningSecretEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/channels/{id}/signing-secret",
  summary: "Reveal a webhook channel's Standard Webhooks signing secret (audited)",
  tag: "Channels",
  permission: "org:configure",
  response: z.object({ signingSecret: z.string() }),
});

export const rotateSigningSecretEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/channels/{id}/signing-secret/rotate",
  summary: "Replace a webhook channel's signing secret with a new random one (audited); returns it",
  tag: "Channels",
  permission: "org:configure",
  response: z.object({ signingSecret: z.string() }),
});
