import crypto from "node:crypto";
import type { AuthMethod, WebhookFormat } from "@/lib/validation/channels";
import { clockSuspect, SIGNATURE_TOLERANCE_MS } from "@/lib/dispatch/clock";
import { eventJson, topSeverity } from "./format";
import { postAll, type HttpMessage } from "./http";
import { checkUrlTarget } from "./target-check";
import type { ChannelConfig, ChannelModule, RenderableEvent, RenderedMessage, SendableChannel, SendContext, SendResult } from "./types";

/**
 * Generic HTTP webhooks (DESIGN §4): JSON in one of three formats, the
 * channel's authentication, and a Standard Webhooks signature on every POST
 * (`webhook-id` stays the same across retries of one delivery).
 */

/** `{"schemaVersion":"1.0","source":"Herald",…}`: CIPP's Standardized Alert Schema, without its `payload` (the events, last). */
function envelopeHead(events: RenderableEvent[], generatedAt: Date) {
  const types = [...new Set(events.map((e) => e.type))];
  const products = [...new Set(events.map((e) => e.product?.slug ?? null))];
  return {
    schemaVersion: "1.0",
    source: "Herald",
    invoking: types.length === 1 ? types[0] : "multiple",
    title: events.length === 1 ? events[0].title : `${events.length} events, up to ${topSeverity(events)}`,
    tenant: products.length === 1 && products[0] ? products[0] : events[0]?.org.slug ?? "",
    generatedAt: generatedAt.toISOString(),
    alertCount: events.length,
  };
}

/**
 * The JSON bodies one delivery posts, in order, as the text that is signed and
 * sent. Built as text (`eventJson`) so an event's stored data is not parsed
 * and serialised again for every message.
 */
export function webhookBodyTexts(format: WebhookFormat, events: RenderableEvent[], now: Date = new Date()): string[] {
  switch (format) {
    case "event":
      return events.map(eventJson);
    case "envelope":
      return [`${JSON.stringify(envelopeHead(events, now)).slice(0, -1)},"payload":[${events.map(eventJson).join(",")}]}`];
    case "array":
    default:
      return [`[${events.map(eventJson).join(",")}]`];
  }
}

/** The same bodies as values (previews, docs, tests). */
export function renderWebhookBodies(format: WebhookFormat, events: RenderableEvent[], now: Date = new Date()): unknown[] {
  return webhookBodyTexts(format, events, now).map((text) => JSON.parse(text) as unknown);
}

/** The channel's authentication as request headers. */
export function authHeaders(settings: Record<string, unknown>, secrets: Record<string, string>): Record<string, string> {
  const method = (settings.authMethod as AuthMethod | undefined) ?? "none";
  switch (method) {
    case "bearer":
      return { authorization: `Bearer ${secrets.token}` };
    case "basic":
      return { authorization: `Basic ${Buffer.from(`${settings.username}:${secrets.password ?? ""}`).toString("base64")}` };
    case "apikey":
      return { [String(settings.headerName)]: secrets.headerValue };
    case "headers":
      return secrets.headers ? (JSON.parse(secrets.headers) as Record<string, string>) : {};
    default:
      return {};
  }
}

/**
 * The Standard Webhooks headers for one body: `v1,` + base64 HMAC-SHA256 of
 * `id.timestamp.body` under the base64 key after `whsec_`. Computed with
 * node:crypto (the `standardwebhooks` package signs in plain JavaScript, 20 µs
 * a message); the tests verify every signature with that package.
 */
export function signatureHeaders(signingSecret: string, messageId: string, at: Date, body: string): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = crypto.createHmac("sha256", signingKey(signingSecret)).update(`${messageId}.${timestamp}.${body}`).digest("base64");
  return { "webhook-id": messageId, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` };
}

const SECRET_PREFIX = "whsec_";
const MAX_CACHED_KEYS = 1_000;
const signingKeys = new Map<string, crypto.KeyObject>();

/** The HMAC key of a `whsec_` secret, decoded once per secret rather than once per message. */
function signingKey(signingSecret: string): crypto.KeyObject {
  let key = signingKeys.get(signingSecret);
  if (!key) {
    if (signingKeys.size >= MAX_CACHED_KEYS) signingKeys.clear();
    const base64 = signingSecret.startsWith(SECRET_PREFIX) ? signingSecret.slice(SECRET_PREFIX.length) : signingSecret;
    signingKeys.set(signingSecret, (key = crypto.createSecretKey(Buffer.from(base64, "base64"))));
  }
  return key;
}

export function webhookMessages(channel: ChannelConfig, events: RenderableEvent[], ctx: Pick<SendContext, "messageId" | "now">): HttpMessage[] {
  const now = ctx.now ?? new Date();
  const bodies = webhookBodyTexts((channel.settings.format as WebhookFormat) ?? "array", events, now);
  const auth = authHeaders(channel.settings, channel.secrets);
  return bodies.map((body, i) => {
    // One message keeps the delivery's id; several get stable suffixes, so a retry repeats the same ids.
    const id = bodies.length === 1 ? ctx.messageId : `${ctx.messageId}_${i + 1}`;
    const signed = channel.secrets.signingSecret ? signatureHeaders(channel.secrets.signingSecret, id, now, body) : {};
    return { body, headers: { ...auth, ...signed } };
  });
}

function render(config: ChannelConfig, events: RenderableEvent[]): RenderedMessage[] {
  return renderWebhookBodies((config.settings.format as WebhookFormat) ?? "array", events).map((body) => ({ kind: "http", body }));
}

const targetUrl = (config: ChannelConfig) => String(config.settings.url);

async function send(channel: SendableChannel, events: RenderableEvent[], ctx: SendContext) {
  const result = await postAll(targetUrl(channel), webhookMessages(channel, events, ctx), ctx);
  return channel.secrets.signingSecret ? retryOwnClockRefusal(result) : result;
}

/**
 * A 4xx is final — unless it may be a refusal of our signature's timestamp
 * (Standard Webhooks receivers refuse one more than 5 min from their clock)
 * caused by our own clock: ours is known to have stepped, or the receiver's
 * `Date` differs from ours by more than that tolerance. Then it is retried
 * like a 5xx (issue #17 §5), within the delivery's attempt budget.
 */
export function retryOwnClockRefusal(result: SendResult): SendResult {
  const status = result.statusCode ?? 0;
  if (result.ok || result.retryable || result.gone || status < 400 || status >= 500) return result;
  const skewMs = result.receiverClockMs;
  const skewed = skewMs !== undefined && Math.abs(skewMs) > SIGNATURE_TOLERANCE_MS;
  if (!skewed && !clockSuspect()) return result;
  const why = skewed ? `the receiver's clock differs from ours by ${Math.round(Math.abs(skewMs) / 1000)} s` : "our clock stepped";
  return { ...result, retryable: true, error: `${result.error}; retried: ${why}, so our signature's timestamp may be what was refused` };
}

export const webhook: ChannelModule = {
  type: "webhook",
  transport: "http",
  validate: (config, options) => checkUrlTarget(config.settings.url as string | undefined, options),
  render,
  send,
  targetUrl,
};
