import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";
import { cippConfigSchema } from "@/lib/validation/cipp-config";

// CIPP's notification settings API (lib/rules/cipp-config.ts), at CIPP's own paths; the org is `?org=` or the token's.
const orgQuery = z.object({ org: z.string().trim().min(1).max(63).optional().describe("the org's slug (an org token's own org when left out)") });

const cippConfigOut = z.object({
  email: z.string().describe("comma-separated addresses"),
  webhook: z.string().describe("masked"),
  webhookAuthType: z.enum(["None", "Bearer", "Basic", "API Key Header", "Custom Headers"]),
  webhookAuthUsername: z.string().optional(),
  webhookAuthHeaderName: z.string().optional(),
  logsToInclude: z.array(z.string()).describe("Herald event types; empty: every event"),
  Severity: z.string().describe("comma-separated, as CIPP stores it"),
  onePerTenant: z.boolean(),
  sendtoIntegration: z.boolean(),
  includeTenantId: z.boolean(),
  UseStandardizedSchema: z.boolean(),
});

export const listCippNotificationConfigEndpoint = endpoint({
  method: "GET",
  path: "/api/ListNotificationConfig",
  summary: "CIPP: the notification settings as CIPP's ListNotificationConfig returns them (secrets never; the webhook URL masked)",
  tag: "CIPP",
  permission: "org:read",
  query: orgQuery,
  exampleQuery: { org: "acme" },
  response: cippConfigOut,
});

export const execCippNotificationConfigEndpoint = endpoint({
  method: "POST",
  path: "/api/ExecNotificationConfig",
  summary:
    "CIPP: save the notification settings as CIPP's ExecNotificationConfig takes them — email, webhook (+ webhookAuthType and its fields), logsToInclude, Severity, onePerTenant, sendtoIntegration, includeTenantId, UseStandardizedSchema — onto an e-mail channel, a webhook channel and one org rule, changed in place by the next save",
  tag: "CIPP",
  permission: "org:configure",
  query: orgQuery,
  exampleQuery: { org: "acme" },
  body: cippConfigSchema,
  example: {
    email: "ops@acme.example,noc@acme.example",
    webhook: "https://example.com/herald-hook",
    webhookAuthType: { label: "Bearer Token", value: "Bearer" },
    webhookAuthToken: "s3cret-token",
    logsToInclude: [{ label: "Deployment failed", value: "deployment.failed" }],
    Severity: [
      { label: "Alert", value: "Alert" },
      { label: "Error", value: "Error" },
    ],
    onePerTenant: true,
    sendtoIntegration: false,
    UseStandardizedSchema: true,
  },
  response: z.object({ Results: z.string() }),
});
