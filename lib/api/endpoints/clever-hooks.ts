import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";
import { cleverEmailhookSchema, cleverWebhookSchema } from "@/lib/validation/clever-hooks";

// Clever Cloud's hooks API (lib/rules/clever-hooks.ts): clever-tools' calls, with Herald's base URL and an org slug as owner.
const TAG = "Clever Cloud hooks";
const base = {
  id: z.string(),
  ownerId: z.string().describe("the org's slug"),
  name: z.string(),
  scope: z.array(z.string()).describe("product slugs; empty: every product"),
  events: z.array(z.string()).describe("Herald event types; empty: every event"),
};
const webhookOut = z.object({ ...base, urls: z.array(z.object({ format: z.enum(["raw", "slack"]), url: z.string().describe("masked") })) });
const emailhookOut = z.object({ ...base, notified: z.array(z.object({ type: z.enum(["email", "userid", "organisation"]), target: z.string() })) });

export const listWebhooksEndpoint = endpoint({
  method: "GET",
  path: "/api/v2/notifications/webhooks/{org}",
  summary: "Clever Cloud: list the org's webhooks (`clever webhooks list`)",
  tag: TAG,
  permission: "org:read",
  response: z.array(webhookOut),
});

export const createWebhookEndpoint = endpoint({
  method: "POST",
  path: "/api/v2/notifications/webhooks/{org}",
  summary:
    "Clever Cloud: add a webhook (`clever webhooks add`): format raw posts Herald's JSON array, slack a Slack message; scope = products, events = Clever Cloud event names or Herald types (empty: all)",
  tag: TAG,
  permission: "org:configure",
  body: cleverWebhookSchema,
  example: { name: "deployments", urls: [{ format: "raw", url: "https://example.com/herald-hook" }], scope: ["web-shop"], events: ["META_DEPLOYMENT_RESULT"] },
  response: webhookOut,
  status: 201,
});

export const deleteWebhookEndpoint = endpoint({
  method: "DELETE",
  path: "/api/v2/notifications/webhooks/{org}/{hook}",
  summary: "Clever Cloud: remove a webhook (`clever webhooks remove`), its channel and rule together",
  tag: TAG,
  permission: "org:configure",
  status: 204,
});

export const listEmailhooksEndpoint = endpoint({
  method: "GET",
  path: "/api/v2/notifications/emailhooks/{org}",
  summary: "Clever Cloud: list the org's e-mail hooks (`clever notify-email list`), the default deployment result e-mails included",
  tag: TAG,
  permission: "org:read",
  response: z.array(emailhookOut),
});

export const createEmailhookEndpoint = endpoint({
  method: "POST",
  path: "/api/v2/notifications/emailhooks/{org}",
  summary:
    "Clever Cloud: add an e-mail hook (`clever notify-email add`): notified email (an address), userid (a member), organisation (owners and admins; the default)",
  tag: TAG,
  permission: "org:configure",
  body: cleverEmailhookSchema,
  example: { name: "deploy results", notified: [{ type: "email", target: "ops@acme.example" }], events: ["META_DEPLOYMENT_RESULT"] },
  response: emailhookOut,
  status: 201,
});

export const deleteEmailhookEndpoint = endpoint({
  method: "DELETE",
  path: "/api/v2/notifications/emailhooks/{org}/{hook}",
  summary: "Clever Cloud: remove an e-mail hook (`clever notify-email remove`), the default one included",
  tag: TAG,
  permission: "org:configure",
  status: 204,
});
