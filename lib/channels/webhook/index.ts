import { z } from "zod";
import { CONNECTIONS_PER_ORIGIN } from "@/lib/dispatch/policy";
import { channelBase, chatServiceOf, receiverUrl, required, TEAMS_RETIRED_MESSAGE, templateSchema } from "@/lib/validation/channel-fields";
import { maskUrl, urlCarriesCredential } from "../credential-url";
import { defineChannelType, type PublicAuth } from "../definition";

export const WEBHOOK_FORMATS = ["array", "envelope", "event", "scalingo", "template"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
export const AUTH_METHODS = ["none", "bearer", "basic", "apikey", "headers"] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** Secret fields per auth method: switching methods clears the others. */
const AUTH_SECRET_FIELDS = { none: [], bearer: ["token"], basic: ["password"], apikey: ["headerValue"], headers: ["headers"] } as const;
const AUTH_PLAIN_FIELDS = { none: [], bearer: [], basic: ["username"], apikey: ["headerName"], headers: [] } as const;

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
      username: z
        .string(required())
        .min(1, "is required")
        .max(200)
        .regex(/^[^:\r\n]*$/, "must not contain a colon or line break"),
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

const webhookSchema = z
  .object({
    type: z.literal("webhook"),
    ...channelBase,
    url: webhookUrlSchema,
    format: z.enum(WEBHOOK_FORMATS, { error: () => `must be one of ${WEBHOOK_FORMATS.join(", ")}` }).default("array"),
    auth: webhookAuthSchema.default({ method: "none" }),
    signingSecret: signingSecretSchema.optional(),
    template: templateSchema.optional(),
  })
  .refine((w) => w.format !== "template" || Boolean(w.template?.body?.trim()), {
    path: ["template", "body"],
    error: "is required when the format is template: the JSON body to send",
  });

/** A URL stored in plain text that carries a credential (stored so before it was sealed) is read back as a hint. */
function shownUrl(plain: string): string {
  return urlCarriesCredential(plain) ? maskUrl(plain) : plain;
}

/** Any HTTP endpoint: Herald's JSON (or a Liquid body), signed (Standard Webhooks), with the endpoint's auth (lib/channels/webhook/module.ts). */
export const webhook = defineChannelType({
  type: "webhook",
  label: "Webhook",
  schema: webhookSchema,
  storage: {
    split(input) {
      // A URL that carries a credential (?token=, a token path) is stored sealed, as a chat URL is.
      const secret = urlCarriesCredential(input.url);
      const settings: Record<string, unknown> = { ...(secret ? {} : { url: input.url }), format: input.format, authMethod: input.auth.method };
      const secrets: Record<string, string> = secret ? { url: input.url } : {};
      const auth = input.auth;
      if (auth.method === "bearer") secrets.token = auth.token;
      if (auth.method === "basic") {
        settings.username = auth.username;
        secrets.password = auth.password;
      }
      if (auth.method === "apikey") {
        settings.headerName = auth.headerName;
        secrets.headerValue = auth.headerValue;
      }
      if (auth.method === "headers") secrets.headers = auth.headers;
      if (input.signingSecret) secrets.signingSecret = input.signingSecret;
      return { settings, secrets };
    },
    body({ settings, secrets }) {
      const method = (settings.authMethod as AuthMethod) ?? "none";
      const auth: Record<string, unknown> = { method };
      for (const f of AUTH_PLAIN_FIELDS[method]) auth[f] = settings[f];
      for (const f of AUTH_SECRET_FIELDS[method]) auth[f] = secrets[f];
      return { url: settings.url ?? secrets.url, format: settings.format, auth, signingSecret: secrets.signingSecret };
    },
    publicConfig(settings, view) {
      const method = (settings.authMethod as AuthMethod) ?? "none";
      const auth: Record<string, unknown> = { method };
      for (const f of AUTH_PLAIN_FIELDS[method]) auth[f] = settings[f];
      for (const f of AUTH_SECRET_FIELDS[method]) auth[f] = view(f);
      const plain = typeof settings.url === "string" ? settings.url : null;
      return {
        url: plain === null ? view("url") : urlCarriesCredential(plain) ? { configured: true, hint: maskUrl(plain) } : plain,
        format: (settings.format as WebhookFormat) ?? "array",
        auth: auth as PublicAuth,
        signingSecret: view("signingSecret"),
      };
    },
    target: (settings, hints) => (typeof settings.url === "string" ? shownUrl(settings.url) : (hints.url ?? "not configured")),
  },
  form: "webhook",
  url: { placeholder: "https://example.com/herald-hook", help: "" },
  templates: true,
  defaultFlood: null,
  // As many as the agent's connections to one origin: a busy receiver is not queued behind fewer sockets.
  lane: { maxInFlight: CONNECTIONS_PER_ORIGIN, intervalMs: 0, maxBacklog: 1000 },
  // The "event" format posts one request per event; the others one for the batch.
  messagesPerDelivery: (eventCount, settings) => (settings.format === "event" ? eventCount : 1),
});
