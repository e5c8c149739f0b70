import type { ChannelType } from "@/db/schema/values";
import type { ChannelRow } from "@/lib/channels/service";
import type { DbOrTx } from "@/db/client";
import { channelTarget } from "@/lib/channels/config";
import { USER_AGENT } from "@/lib/channels/http";
import { channelModule } from "@/lib/channels/registry";
import type { RenderableEvent } from "@/lib/channels/types";
import { env } from "@/lib/env";
import type { AuthMethod } from "@/lib/channels/webhook";
import type { TestAlertInput } from "@/lib/validation/test-alert";
import { buildTestEvents } from "./events";
import { limitWarnings } from "./limits";
import { resolveTestChannels, type TestScope } from "./scope";

/**
 * The preview of a test alert: per channel, the exact bodies its real
 * renderer produces for the chosen events. Renderers get the channel's plain
 * settings only — never its decrypted secrets — so nothing secret can reach
 * the preview; where a secret would travel (a URL with credentials, an auth
 * header) the preview says so and shows it redacted.
 */

export const REDACTED = "[redacted]";

type PreviewHeader = { name: string; value: string; redacted?: boolean };
export type PreviewMessage =
  | { kind: "http"; headers: PreviewHeader[]; body: unknown }
  | { kind: "email"; to: string[]; subject: string; text: string; html: string }
  | { kind: "inbox"; title: string };

export type ChannelPreview = {
  channelId: string;
  name: string;
  type: ChannelType;
  /** Where it goes, masked where the address is a secret (as the channel list shows it). */
  target: string;
  messages: PreviewMessage[];
  redactions: string[];
  warnings: string[];
};

type PreviewEvent = { type: string; severity: string; title: string; product: string | null };
export type TestAlertPreview = { events: PreviewEvent[]; channels: ChannelPreview[] };

const AUTH_LABEL: Record<Exclude<AuthMethod, "none">, string> = {
  bearer: "bearer token",
  basic: "basic-auth password",
  apikey: "API key",
  headers: "custom header values",
};

/**
 * Of a message already sent (the delivery log): its delivery's id — the `webhook-id`, with a
 * `_n` suffix per POST when it was split — and the time its bodies are rendered at.
 */
export type SentAs = { messageId: string; at: Date };

/** What every HTTP POST carries (lib/channels/http.ts). */
const baseHeaders = (): PreviewHeader[] => [
  { name: "user-agent", value: USER_AGENT },
  { name: "content-type", value: "application/json" },
];

/** The Standard Webhooks headers of message `i` of `count`: the signature redacted, the id known once sent. */
function signatureHeaders(sent: SentAs | undefined, i: number, count: number): PreviewHeader[] {
  const id = sent ? (count === 1 ? sent.messageId : `${sent.messageId}_${i + 1}`) : "(the delivery id, set when sent)";
  return [
    { name: "webhook-id", value: id },
    { name: "webhook-timestamp", value: sent ? "(the attempt's send time, in seconds)" : "(the send time, in seconds)" },
    { name: "webhook-signature", value: "v1,(HMAC-SHA256 with the channel's signing secret, computed when sent)", redacted: true },
  ];
}

/** The headers a webhook POST carries, secrets replaced by [redacted] (the signature's: signatureHeaders). */
function webhookHeaders(row: ChannelRow): { headers: PreviewHeader[]; redactions: string[] } {
  const headers: PreviewHeader[] = baseHeaders();
  const redactions: string[] = [];
  const method = (row.settings.authMethod as AuthMethod | undefined) ?? "none";
  if (method === "bearer" || method === "basic")
    headers.push({ name: "authorization", value: `${method === "bearer" ? "Bearer" : "Basic"} ${REDACTED}`, redacted: true });
  if (method === "apikey") headers.push({ name: String(row.settings.headerName ?? "x-api-key"), value: REDACTED, redacted: true });
  if (method === "headers") {
    const names = (row.secretHints.headers ?? "")
      .replace(/ \(values hidden\)$/, "")
      .split(", ")
      .filter((n) => n && n !== "no headers");
    for (const name of names) headers.push({ name, value: REDACTED, redacted: true });
  }
  if (method !== "none") redactions.push(`The ${AUTH_LABEL[method]} is sent but not shown.`);
  if (row.secretHints.signingSecret) redactions.push("The Standard Webhooks signature is computed with the signing secret when the message is sent.");
  return { headers, redactions };
}

/**
 * What a channel gets for these events, as its real renderer builds it, with
 * the headers (secrets redacted). Also the delivery log's "request" of a sent
 * delivery (lib/dispatch/delivery-request.ts), given `sent`.
 */
export function previewChannel(row: ChannelRow, events: RenderableEvent[], sent?: SentAs): ChannelPreview {
  const typeModule = channelModule(row.type);
  // Plain settings only: the renderers need no secret to build a body.
  const rendered = typeModule.render({ type: row.type, settings: row.settings, secrets: {} }, events, sent?.at);
  const redactions: string[] = [];
  if (row.secretHints.url !== undefined) redactions.push("The webhook URL is shown masked: it contains the channel's credentials.");
  const http = row.type === "webhook" ? webhookHeaders(row) : { headers: baseHeaders(), redactions: [] };
  redactions.push(...http.redactions);
  const signed = row.type === "webhook" && !!row.secretHints.signingSecret;
  const messages = rendered.map((m, i): PreviewMessage => {
    if (m.kind === "http")
      return { kind: "http", headers: signed ? [...http.headers, ...signatureHeaders(sent, i, rendered.length)] : http.headers, body: m.body };
    if (m.kind === "email") return { kind: "email", to: m.to, subject: m.subject, text: m.text, html: m.html };
    return { kind: "inbox", title: m.title };
  });
  const warnings = limitWarnings(row.type, row.settings, events, rendered);
  if (row.type === "email" && ((row.settings.recipients as string[]) ?? []).some((r) => r.startsWith("@"))) {
    warnings.push("Recipient groups (@owners, @admins, @product-admins) are resolved to addresses when the message is sent.");
  }
  return {
    channelId: row.id,
    name: row.name,
    type: row.type,
    target: channelTarget(row.type, row.settings, row.secretHints),
    messages,
    redactions,
    warnings,
  };
}

/** What each chosen channel would receive; reads only, sends and stores nothing. */
export async function previewTestAlert(db: DbOrTx, scope: TestScope, input: TestAlertInput): Promise<TestAlertPreview> {
  const rows = await resolveTestChannels(db, scope, input.channels);
  const events = await buildTestEvents(db, scope, input, { publicUrl: env().publicUrl });
  return {
    events: events.map((e) => ({ type: e.type, severity: e.severity, title: e.title, product: e.product?.slug ?? null })),
    channels: rows.map((row) => previewChannel(row, events)),
  };
}
