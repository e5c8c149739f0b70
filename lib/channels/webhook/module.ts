import crypto from "node:crypto";
import type { AuthMethod, WebhookFormat } from ".";
import type { MessageTemplate } from "@/lib/validation/channel-fields";
import { isOwnCatcherUrl } from "@/lib/catcher/urls";
import { env } from "@/lib/env";
import { clockSuspect, SIGNATURE_TOLERANCE_MS } from "@/lib/dispatch/clock";
import { eventJson, topSeverity } from "../format";
import { postAll, type HttpMessage } from "../http";
import { checkUrlTarget } from "../target-check";
import { renderJsonTemplate, TemplateError } from "../template";
import type { ChannelConfig, ChannelModule, RenderableEvent, RenderedMessage, SendableChannel, SendContext, SendResult } from "../types";

/**
 * Generic HTTP webhooks (DESIGN §4): JSON in one of four formats, the
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
    tenant: products.length === 1 && products[0] ? products[0] : (events[0]?.org.slug ?? ""),
    generatedAt: generatedAt.toISOString(),
    alertCount: events.length,
  };
}

const text = (value: unknown) => (typeof value === "string" ? value : typeof value === "number" ? String(value) : "");
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Scalingo's deployment statuses for Herald's two deployment outcomes, when the event's data names none. */
const SCALINGO_STATUS: Record<string, string> = { "deployment.succeeded": "success", "deployment.failed": "crashed" };

/**
 * Scalingo's notification body (its documented webhook format), for
 * notifications made through the Scalingo-compatible API: a receiver written
 * for Scalingo reads it unchanged. Filled from the event's data where the
 * producer sent Scalingo's fields (`user`, `pusher`, `deployment_id`,
 * `git_ref`, `status`, `duration`); docs/receivers.md says what stands in
 * otherwise. Events other than deployments keep their type, their data as
 * `type_data`.
 */
function scalingoBody(e: RenderableEvent) {
  const data = e.data ?? {};
  const user = isRecord(data.user) ? data.user : { username: text(data.pusher), email: text(data.email), id: text(data.user_id) };
  const deployment = e.type.startsWith("deployment.");
  return {
    id: e.id,
    created_at: e.occurredAt.toISOString().replace(/Z$/, "+00:00"),
    user,
    app_id: e.product ? (e.product.id ?? e.product.slug) : null,
    app_name: e.product?.slug ?? null,
    type: deployment ? "deployment" : e.type,
    type_data: deployment
      ? {
          deployment_id: text(data.deployment_id) || e.id,
          pusher: text(data.pusher) || text(user.username),
          git_ref: text(data.git_ref) || text(data.commit),
          status: text(data.status) || SCALINGO_STATUS[e.type] || e.type.slice("deployment.".length),
          duration: typeof data.duration === "number" ? data.duration : null,
        }
      : data,
  };
}

/**
 * The JSON bodies one delivery posts, in order, as the text that is signed and
 * sent. Built as text (`eventJson`) so an event's stored data is not parsed
 * and serialised again for every message.
 */
export function webhookBodyTexts(format: WebhookFormat, events: RenderableEvent[], now: Date = new Date(), template?: string): string[] {
  switch (format) {
    case "template":
      // The channel's own JSON (lib/channels/template.ts), one body for the delivery's events.
      return [renderJsonTemplate(template ?? "", events)];
    case "event":
      return events.map(eventJson);
    case "scalingo":
      return events.map((e) => JSON.stringify(scalingoBody(e)));
    case "envelope":
      return [`${JSON.stringify(envelopeHead(events, now)).slice(0, -1)},"payload":[${events.map(eventJson).join(",")}]}`];
    case "array":
    default:
      return [`[${events.map(eventJson).join(",")}]`];
  }
}

/** The same bodies as values (previews, docs, tests). */
export function renderWebhookBodies(format: WebhookFormat, events: RenderableEvent[], now: Date = new Date(), template?: string): unknown[] {
  return webhookBodyTexts(format, events, now, template).map((text) => JSON.parse(text) as unknown);
}

/** A webhook channel's template body, when its format is "template". */
const templateOf = (config: ChannelConfig) => (config.settings.template as MessageTemplate | undefined)?.body ?? undefined;

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
  const bodies = webhookBodyTexts((channel.settings.format as WebhookFormat) ?? "array", events, now, templateOf(channel));
  const auth = authHeaders(channel.settings, channel.secrets);
  return bodies.map((body, i) => {
    // One message keeps the delivery's id; several get stable suffixes, so a retry repeats the same ids.
    const id = bodies.length === 1 ? ctx.messageId : `${ctx.messageId}_${i + 1}`;
    const { signingSecret } = channel.secrets;
    return signingSecret ? { body, headers: auth, sign: (at: Date) => signatureHeaders(signingSecret, id, at, body) } : { body, headers: auth };
  });
}

function render(config: ChannelConfig, events: RenderableEvent[], now?: Date): RenderedMessage[] {
  return renderWebhookBodies((config.settings.format as WebhookFormat) ?? "array", events, now, templateOf(config)).map((body) => ({ kind: "http", body }));
}

/** Where it posts: a plain URL in the settings, or one carrying a credential, sealed among the secrets. */
const targetUrl = (config: ChannelConfig) => String(config.settings.url ?? config.secrets.url ?? "");

async function send(channel: SendableChannel, events: RenderableEvent[], ctx: SendContext) {
  let messages: HttpMessage[];
  try {
    messages = webhookMessages(channel, events, ctx);
  } catch (e) {
    // A template that fails is a failed attempt saying why, not retried: it would fail again.
    if (e instanceof TemplateError)
      return { ok: false, durationMs: 0, retryable: false, error: `the message template failed: ${e.message}` } satisfies SendResult;
    throw e;
  }
  const result = await postAll(targetUrl(channel), messages, ctx);
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
  // This instance's own request catcher is on a loopback/private address by nature; the guard lets exactly it through.
  validate: (config, options) => {
    const url = targetUrl(config) || undefined;
    return url && isOwnCatcherUrl(env().publicUrl, url) ? Promise.resolve({}) : checkUrlTarget(url, options);
  },
  render,
  send,
  targetUrl,
};
