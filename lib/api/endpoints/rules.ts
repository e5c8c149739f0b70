import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";
import { CHANNEL_HEALTH, CHANNEL_TYPES, DELIVERY_STATUSES, SEVERITIES } from "@/db/schema/values";
import { eventTypeSchema } from "@/lib/validation/events";
import { eventFiltersSchema } from "@/lib/validation/event-log";
import { notificationConfigSchema } from "@/lib/validation/notification-config";
import { DIGEST_WINDOWS, RULE_MODES, ruleFiltersSchema, rulePatchBodySchema, ruleSchema } from "@/lib/validation/rules";

/** Rules, event types, the events list and the CIPP-style notification config. */

const EDIT_RULE = "Org rules need an owner/admin or an admin token; a product rule also its product's admins (or a token limited to it).";

const ruleOut = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(["org", "product"]),
  product: z.string().nullable().describe("a product rule's product (slug)"),
  products: z.array(z.string()).describe("an org rule's product restriction (slugs; empty = all)"),
  eventTypes: z.union([z.literal("all"), z.array(z.string())]),
  severities: z.array(z.enum(SEVERITIES)),
  channels: z.array(z.string()).describe("channel ids"),
  mode: z.enum(RULE_MODES),
  digestMinutes: z.number().int().nullable(),
  splitByProduct: z.boolean(),
  enabled: z.boolean(),
  notificationId: z.string().nullable().describe("set when the rule belongs to a product notification (/api/v1/apps/{app}/notifications)"),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const eventTypeOut = z.object({
  key: z.string(),
  scope: z.enum(["org", "product", "any"]),
  title: z.string(),
  description: z.string(),
  defaultSeverity: z.enum(SEVERITIES),
  builtIn: z.boolean(),
});

const deliveryCounts = z.record(z.enum(DELIVERY_STATUSES), z.number().int()).describe("deliveries that include the event, by status");

const eventSummaryOut = z.object({
  id: z.string(),
  type: z.string(),
  severity: z.enum(SEVERITIES),
  title: z.string(),
  product: z.string().nullable(),
  occurredAt: z.string(),
  receivedAt: z.string(),
  isTest: z.boolean(),
  deliveryCounts,
  silencedBy: z.string().nullable().describe("the silence that kept it from one or more channels (GET …/silences/{id})"),
});

/** lib/rules/routes.ts: one way an event goes out — a rule and a channel it names. */
const routeOut = z.object({
  channel: z.object({ id: z.string(), name: z.string(), type: z.enum(CHANNEL_TYPES), enabled: z.boolean() }),
  rule: z.object({ id: z.string(), name: z.string(), scope: z.enum(["org", "product"]) }),
  severities: z.array(z.enum(SEVERITIES)),
  mode: z.enum(["immediate", "digest"]),
  digestMinutes: z.number().int().nullable(),
});

const eventOut = eventSummaryOut.extend({
  data: z.record(z.string(), z.unknown()),
  source: z.string().nullable(),
  producerId: z.string().nullable().describe("the id the producer gave (idempotency key)"),
});

const eventDeliveryOut = z.object({
  id: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  channelId: z.string(),
  channel: z.object({ name: z.string(), type: z.enum(CHANNEL_TYPES) }),
  attemptCount: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  lastError: z.string().nullable(),
  collecting: z.boolean().describe("a digest still collecting events"),
});

export const listRulesEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/rules",
  summary: "List the org's rules (org rules and product rules)",
  tag: "Rules",
  permission: "org:read",
  query: ruleFiltersSchema,
  exampleQuery: { scope: "org" },
  response: z.object({ rules: z.array(ruleOut) }),
});

export const createRuleEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/rules",
  summary: `Create a rule: an org rule (optionally restricted to products) or, with "product", a product rule. ${EDIT_RULE}`,
  tag: "Rules",
  permission: "org:read",
  body: ruleSchema,
  example: {
    name: "Failed deployments",
    products: ["web-shop"],
    eventTypes: ["deployment.failed"],
    severities: ["error", "critical", "alert"],
    channels: ["ch_…"],
  },
  response: z.object({ rule: ruleOut }),
  status: 201,
});

export const getRuleEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/rules/{id}",
  summary: "Show a rule",
  tag: "Rules",
  permission: "org:read",
  response: z.object({ rule: ruleOut }),
});

export const updateRuleEndpoint = endpoint({
  method: "PATCH",
  path: "/api/v1/orgs/{org}/rules/{id}",
  summary: `Change a rule: what is left out is kept; the result is checked like a new rule. ${EDIT_RULE}`,
  tag: "Rules",
  permission: "org:read",
  body: rulePatchBodySchema,
  example: { mode: "digest", digestMinutes: 15 },
  response: z.object({ rule: ruleOut }),
});

export const deleteRuleEndpoint = endpoint({
  method: "DELETE",
  path: "/api/v1/orgs/{org}/rules/{id}",
  summary: `Delete a rule. ${EDIT_RULE}`,
  tag: "Rules",
  permission: "org:read",
  status: 204,
});

export const ruleMatchesEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/rules/{id}/matches",
  summary: "What would match: the last 20 stored events this rule would have sent, newest first, each with every rule and channel that takes it (routes)",
  tag: "Rules",
  permission: "org:read",
  response: z.object({ events: z.array(eventSummaryOut.extend({ routes: z.array(routeOut) })) }),
});

export const listEventTypesEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/event-types",
  summary: "The org's event catalog: the built-in types, then the ones it added",
  tag: "Events",
  permission: "org:read",
  response: z.object({ eventTypes: z.array(eventTypeOut) }),
});

export const createEventTypeEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/event-types",
  summary: "Add a custom event type (a key that is built in or already added is a 409)",
  tag: "Events",
  permission: "org:configure",
  body: eventTypeSchema,
  example: { key: "backup.failed", scope: "product", title: "Backup failed", defaultSeverity: "error" },
  response: z.object({ eventType: eventTypeOut }),
  status: 201,
});

export const listEventsEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/events",
  summary: "Stored events, newest first (filters: type, product, severity, from/to; paged by cursor)",
  tag: "Events",
  permission: "org:read",
  query: eventFiltersSchema,
  exampleQuery: { product: "web-shop", type: "deployment.failed" },
  response: z.object({ events: z.array(eventOut), nextCursor: z.string().nullable() }),
});

export const getEventEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/events/{id}",
  summary: "Show an event with its data and the deliveries it produced",
  tag: "Events",
  permission: "org:read",
  response: z.object({ event: eventOut, deliveries: z.array(eventDeliveryOut) }),
});

const traceChannelOut = z.object({ id: z.string(), name: z.string(), type: z.enum(CHANNEL_TYPES), enabled: z.boolean(), health: z.enum(CHANNEL_HEALTH) });

/** lib/rules/trace.ts */
const eventTraceOut = z.object({
  event: z.object({
    id: z.string(),
    type: z.string(),
    severity: z.enum(SEVERITIES),
    product: z.string().nullable(),
    receivedAt: z.string(),
    isTest: z.boolean(),
    silencedBy: z.object({ id: z.string(), reason: z.string() }).nullable().describe("the silence that kept it from one or more channels"),
  }),
  rules: z
    .array(
      z.object({
        rule: z.object({ id: z.string(), name: z.string(), scope: z.enum(["org", "product"]), product: z.string().nullable(), enabled: z.boolean() }),
        verdict: z.enum(["took", "missed", "disabled"]),
        reasons: z.array(z.string()).describe("for missed: each criterion the event fails, in words"),
        changedSince: z.boolean().describe("the rule changed after the event arrived: it is judged as it reads now"),
        channels: z.array(
          z.object({
            channel: traceChannelOut,
            outcome: z.enum(["delivery", "merged", "channel-disabled", "silenced", "none"]),
            deliveryId: z.string().nullable(),
            explanation: z.string(),
          }),
        ),
      }),
    )
    .describe("every rule of the org: taking ones first, then disabled, then the rest"),
  channels: z
    .array(z.object({ channel: traceChannelOut, received: z.boolean(), deliveryId: z.string().nullable(), why: z.string() }))
    .describe("every channel the event could reach: received it, or why not"),
  deliveries: z.array(
    z.object({
      id: z.string(),
      status: z.enum(DELIVERY_STATUSES),
      channel: traceChannelOut,
      rule: z.object({ id: z.string(), name: z.string() }).nullable(),
      collecting: z.boolean(),
      floodMinutes: z.number().int().nullable().describe("a flood summary (flood control): the window it stands for, in minutes; null for any other delivery"),
      quietHours: z.boolean().describe("held for the channel's working hours (quiet hours), while it waits"),
      nextAttemptAt: z.string().nullable(),
      lastError: z.string().nullable(),
      attempts: z.array(
        z.object({ at: z.string(), outcome: z.string(), statusCode: z.number().int().nullable(), durationMs: z.number().int(), error: z.string().nullable() }),
      ),
    }),
  ),
});

export const traceEventEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/events/{id}/trace",
  summary: "Why did (or didn't) this event notify: every rule and whether it took the event, each channel's outcome, the deliveries and their attempts",
  tag: "Events",
  permission: "org:read",
  response: eventTraceOut,
});

const channelSummaryOut = z
  .object({ id: z.string(), type: z.enum(CHANNEL_TYPES), name: z.string(), enabled: z.boolean(), target: z.string(), health: z.enum(CHANNEL_HEALTH) })
  .loose()
  .describe("a channel as GET /api/v1/orgs/{org}/channels shows it: secrets masked");

const notificationConfigOut = z.object({
  org: z.string(),
  channels: z.array(channelSummaryOut),
  rules: z.array(ruleOut).describe("org rules; product rules are set per product"),
  eventTypes: z.array(eventTypeOut),
  severities: z.array(z.enum(SEVERITIES)).describe("lowest to highest"),
  options: z.object({
    modes: z.array(z.enum(RULE_MODES)),
    digestMinutes: z.array(z.number().int()).describe(`digest windows: ${DIGEST_WINDOWS.join(", ")} minutes`),
    defaultSeverities: z.array(z.enum(SEVERITIES)),
  }),
});

const orgQuery = z.object({ org: z.string().trim().min(1).max(63).optional().describe("the org's slug (optional with a token: the token's org)") });

export const getNotificationConfigEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/notification-config",
  summary: "The org's notification settings in one object (CIPP-style): channels (masked), org rules, event types, severities, options",
  tag: "Rules",
  permission: "org:read",
  query: orgQuery,
  exampleQuery: { org: "acme" },
  response: notificationConfigOut,
});

export const setNotificationConfigEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/notification-config",
  summary:
    "Replace the org rules as a whole, in one transaction: a rule with an id is changed, without one created, an org rule left out removed. Same checks as the console",
  tag: "Rules",
  permission: "org:configure",
  query: orgQuery,
  exampleQuery: { org: "acme" },
  body: notificationConfigSchema,
  example: { rules: [{ name: "Alerts", eventTypes: "all", severities: ["critical", "alert"], channels: ["ch_…"] }] },
  response: notificationConfigOut,
});
