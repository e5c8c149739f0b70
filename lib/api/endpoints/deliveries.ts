import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";
import { CHANNEL_HEALTH, CHANNEL_TYPES, DELIVERY_STATUSES } from "@/db/schema/values";
import { deliveryFiltersSchema, replaySchema } from "@/lib/validation/deliveries";
import { messageOut } from "@/lib/api/message-schema";

const attemptOut = z.object({
  id: z.string(),
  at: z.string(),
  durationMs: z.number().int(),
  status: z.number().int().nullable().describe("HTTP status, or the SMTP reply code; null when nothing answered"),
  outcome: z.enum(["delivered", "retry", "throttled", "failed", "dead"]),
  response: z.string().optional().describe("first 2 KB of the answer"),
  responseHeaders: z
    .record(z.string(), z.string())
    .optional()
    .describe(
      "the HTTP answer's headers (connection headers left out), the channel's secrets taken out, at most 1 KB; headers past that are counted under \"…\"",
    ),
  part: z
    .number()
    .int()
    .optional()
    .describe("of a delivery sent as several POSTs, the 1-based one whose answer this is: its request is request.messages[part - 1]"),
  error: z.string().optional(),
});

const deliveryOut = z.object({
  id: z.string().describe("also the Standard Webhooks webhook-id, the same on every retry"),
  status: z.enum(DELIVERY_STATUSES),
  channelId: z.string(),
  channel: z.object({ name: z.string(), type: z.enum(CHANNEL_TYPES) }),
  productId: z.string().nullable(),
  product: z.object({ slug: z.string(), name: z.string() }).nullable().describe("the delivery's product (a single event's when the delivery names none)"),
  event: z
    .object({ id: z.string(), type: z.string(), title: z.string() })
    .nullable()
    .describe("the first event (a digest's earliest); eventIds lists them all"),
  eventIds: z.array(z.string()),
  attemptCount: z.number().int().describe("attempts in the current series"),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  lastError: z.string().nullable(),
  isTest: z.boolean(),
  attempts: z.array(attemptOut),
});

const countsOut = z.object({
  claimed: z.number().int(),
  delivered: z.number().int(),
  retried: z.number().int(),
  failed: z.number().int(),
  dead: z.number().int(),
  released: z.number().int(),
});

export const listDeliveriesEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/deliveries",
  summary: "The delivery log: deliveries with their attempts, newest first (filters: status, channel, event, product, from/to; paged by cursor)",
  tag: "Deliveries",
  permission: "org:read",
  query: deliveryFiltersSchema,
  exampleQuery: { event: "evt_…" },
  response: z.object({
    deliveries: z.array(deliveryOut),
    nextCursor: z.string().nullable(),
    notice: z.string().optional().describe("present when the query reaches past the retention window (HERALD_RETENTION_DAYS): what it cannot show"),
  }),
});

const requestOut = z.object({
  target: z.string().describe("where it goes, masked where the address is a secret"),
  messages: z.array(messageOut).describe("one per POST (or the e-mail, or the inbox entries), in order; credential headers and the signature show [redacted]"),
  notes: z.array(z.string()).describe("what is not shown as sent, and why"),
});

export const getDeliveryEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/deliveries/{id}",
  summary:
    "Show a delivery with its attempts (each with the answer's headers) and the request it sends: rendered again from its events by the channel's renderer, every secret redacted",
  tag: "Deliveries",
  permission: "org:read",
  response: z.object({ delivery: deliveryOut, request: requestOut }),
});

export const retryDeliveryEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/deliveries/{id}/retry",
  summary: "Send a queued, failed or dead delivery again now (a new attempt series, same webhook-id)",
  tag: "Deliveries",
  permission: "org:configure",
  response: z.object({ delivery: deliveryOut }),
  status: 202,
});

export const replayDeliveriesEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/deliveries/replay",
  summary: "Send again every failed or dead delivery of a channel created since a time",
  tag: "Deliveries",
  permission: "org:configure",
  body: replaySchema,
  example: { channel: "ch_…", since: "2026-01-31T00:00:00Z" },
  response: z.object({ replayed: z.number().int() }),
  status: 202,
});

export const enableChannelEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/channels/{id}/enable",
  summary: "Re-enable a channel (disabled by Herald, failing, or switched off): switched on, health back to healthy, its waiting deliveries go out",
  tag: "Channels",
  permission: "org:configure",
  response: z.object({
    channel: z.object({ id: z.string(), health: z.enum(CHANNEL_HEALTH), enabled: z.boolean(), waitingDeliveries: z.number().int() }),
  }),
});

export const dispatchEndpoint = endpoint({
  method: "POST",
  path: "/api/dispatch",
  summary: "Dispatch what is due now, for a bounded time (for an external scheduler). Authorization: Bearer HERALD_DISPATCH_TOKEN; 404 when that is not set",
  tag: "Operations",
  permission: null,
  operatorToken: "required",
  exampleQuery: { maxMs: "10000" },
  query: z.object({
    maxMs: z.coerce.number().int().min(100).max(25_000).default(10_000).describe("stop claiming after this long"),
  }),
  response: countsOut.extend({ durationMs: z.number().int() }),
});

export const metricsEndpoint = endpoint({
  method: "GET",
  path: "/api/metrics",
  summary:
    "Prometheus metrics (text format): queue depth, deliveries and attempts by outcome and channel type, attempt latency. Needs Authorization: Bearer HERALD_DISPATCH_TOKEN when that is set",
  tag: "Operations",
  permission: null,
  operatorToken: "when-set",
  textResponse: "Prometheus text exposition format (version 0.0.4)",
});
