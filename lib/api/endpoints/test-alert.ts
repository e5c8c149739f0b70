import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";
import { CHANNEL_TYPES, SEVERITIES } from "@/db/schema/values";
import { messageOut } from "@/lib/api/message-schema";
import { testAlertSchema } from "@/lib/validation/test-alert";

/**
 * "Send test alert" for scripts (DESIGN §7.1): the same code path as the
 * console dialog (lib/test-alert). Owners, admins and admin tokens test the
 * org's channels; a product admin (or a token limited to products) names
 * `product` and tests that product's channels and the org's.
 */

const resultOut = z.object({
  channelId: z.string(),
  channelName: z.string(),
  channelType: z.enum(CHANNEL_TYPES),
  deliveryId: z.string().describe("the test delivery in the delivery log (also its webhook-id)"),
  eventIds: z.array(z.string()),
  state: z.enum(["pending", "delivered", "failed"]).describe("pending: no answer within ~20 s; the delivery log will show it"),
  ok: z.boolean(),
  status: z.number().int().optional().describe("HTTP status, or the SMTP reply code"),
  durationMs: z.number().int().optional(),
  error: z.string().optional().describe("what went wrong, in words"),
  response: z.string().optional().describe("first 2 KB of the receiver's answer"),
  at: z.string().optional(),
});

const example = {
  channels: ["ch_…"],
  events: [
    { type: "deployment.failed", severity: "critical" },
    { type: "billing.credits_low", severity: "warning" },
  ],
  writeToLog: false,
};

export const sendTestAlertEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/test-alert",
  summary:
    "Send a test alert to channels now, through the real delivery path (signed, logged, never changing channel health), and report each channel's result (waits up to ~20 s)",
  tag: "Test alerts",
  permission: "product:configure",
  body: testAlertSchema,
  example,
  response: z.object({ results: z.array(resultOut) }),
});

export const previewTestAlertEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/test-alert/preview",
  summary:
    "Show what each channel would receive for a test alert (the real renderers; secrets redacted; warnings where a receiver limit cut or split a message). Sends nothing",
  tag: "Test alerts",
  permission: "product:configure",
  body: testAlertSchema,
  example,
  response: z.object({
    events: z.array(z.object({ type: z.string(), severity: z.enum(SEVERITIES), title: z.string(), product: z.string().nullable() })),
    channels: z.array(
      z.object({
        channelId: z.string(),
        name: z.string(),
        type: z.enum(CHANNEL_TYPES),
        target: z.string().describe("where it goes, masked where the address is a secret"),
        messages: z.array(messageOut),
        redactions: z.array(z.string()),
        warnings: z.array(z.string()),
      }),
    ),
  }),
});
