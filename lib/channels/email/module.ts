import nodemailer, { type Transporter } from "nodemailer";
import { env } from "@/lib/env";
import { RECIPIENT_GROUPS } from ".";
import { emailHtml, emailSubject, emailText } from "./render";
import { utf8Excerpt } from "@/lib/net/post";
import { isRetried, retryDecision, ATTEMPT_TIMEOUT_MS, SMTP_CONNECTIONS } from "@/lib/dispatch/policy";
import type { ChannelConfig, ChannelModule, RenderableEvent, RenderedMessage, SendableChannel, SendContext, SendResult } from "../types";
import { templated, withTemplate } from "../template";

/**
 * E-mail through the operator's SMTP server (SMTP_URL): one pooled
 * nodemailer transport per process. Recipient groups (@owners, @admins,
 * @product-admins) are resolved when the message is sent; a group with
 * nobody in it is reported with the attempt, not silently dropped.
 */

const globalForMail = globalThis as unknown as { heraldMailer?: { url: string; transport: Transporter } };

/** The process's pooled SMTP transport (created on first use; null when SMTP_URL is not set). */
function mailTransport(): Transporter | null {
  const url = env().SMTP_URL;
  if (!url) return null;
  if (globalForMail.heraldMailer?.url !== url) {
    globalForMail.heraldMailer?.transport.close();
    // Options go into the URL: nodemailer ignores other options when given a `url`.
    const withOptions = new URL(url);
    const defaults = {
      pool: "true",
      maxConnections: `${SMTP_CONNECTIONS}`,
      connectionTimeout: `${ATTEMPT_TIMEOUT_MS}`,
      greetingTimeout: `${ATTEMPT_TIMEOUT_MS}`,
      socketTimeout: `${ATTEMPT_TIMEOUT_MS}`,
    };
    for (const [key, value] of Object.entries(defaults)) {
      if (!withOptions.searchParams.has(key)) withOptions.searchParams.set(key, value);
    }
    const transport = nodemailer.createTransport(withOptions.toString());
    globalForMail.heraldMailer = { url, transport };
  }
  return globalForMail.heraldMailer.transport;
}

export function closeMailTransport() {
  globalForMail.heraldMailer?.transport.close();
  globalForMail.heraldMailer = undefined;
}

const isGroup = (r: string) => (RECIPIENT_GROUPS as readonly string[]).includes(r);

/** The addresses a message goes to, and what could not be resolved (reported with the attempt). */
async function resolveRecipients(
  recipients: string[],
  events: RenderableEvent[],
  resolveGroup: SendContext["resolveGroup"],
): Promise<{ to: string[]; notes: string[] }> {
  const to = new Set<string>();
  const notes: string[] = [];
  const productSlugs = [...new Set(events.map((e) => e.product?.slug).filter((s): s is string => !!s))];
  for (const r of recipients) {
    if (!isGroup(r)) {
      to.add(r);
      continue;
    }
    if (!resolveGroup) {
      notes.push(`${r} cannot be resolved here`);
      continue;
    }
    const scopes: (string | null)[] = r === "@product-admins" ? productSlugs : [null];
    const found: string[] = [];
    for (const scope of scopes) found.push(...(await resolveGroup(r, scope)));
    if (found.length === 0) {
      notes.push(r === "@product-admins" && scopes.length === 0 ? `${r}: these events belong to no product` : `${r} has nobody in it`);
    }
    for (const address of found) to.add(address.toLowerCase());
  }
  return { to: [...to], notes };
}

function renderEmail(recipients: string[], events: RenderableEvent[]): Extract<RenderedMessage, { kind: "email" }> {
  return { kind: "email", to: recipients, subject: emailSubject(events), html: emailHtml(events), text: emailText(events) };
}

const replyCode = (text: string | undefined) => {
  const m = /^(\d{3})\b/.exec(text ?? "");
  return m ? Number(m[1]) : undefined;
};

function send(channel: SendableChannel, events: RenderableEvent[], ctx: SendContext): Promise<SendResult> {
  return withTemplate(channel, events, (shown) => sendMail(channel, events, shown, ctx));
}

/** `shown`: what the message shows (templated or not); `events`: what recipient groups are resolved for. */
async function sendMail(channel: SendableChannel, events: RenderableEvent[], shown: RenderableEvent[], ctx: SendContext): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const transport = mailTransport();
  if (!transport) {
    return { ok: false, durationMs: 0, retryable: true, error: "SMTP is not configured: the operator must set SMTP_URL" };
  }
  const { to, notes } = await resolveRecipients((channel.settings.recipients as string[]) ?? [], events, ctx.resolveGroup);
  const noteText = notes.length ? ` (${notes.join("; ")})` : "";
  if (to.length === 0) {
    return { ok: false, durationMs: elapsed(), retryable: false, error: `no recipients to send to${noteText}` };
  }
  const message = renderEmail(to, shown);
  try {
    const info = await transport.sendMail({
      from: env().SMTP_FROM,
      to,
      subject: message.subject,
      html: message.html,
      text: message.text,
      messageId: `<${ctx.messageId}@herald>`,
      headers: { "X-Herald-Delivery": ctx.messageId },
    });
    const rejected = (info.rejected ?? []).map(String);
    const extra = [...notes, ...(rejected.length ? [`refused by the server: ${rejected.join(", ")}`] : [])];
    return {
      ok: true,
      durationMs: elapsed(),
      statusCode: replyCode(info.response) ?? 250,
      response: utf8Excerpt(`${info.response ?? "accepted"}${extra.length ? ` (${extra.join("; ")})` : ""}`),
      retryable: false,
    };
  } catch (e) {
    const err = e as { responseCode?: number; response?: string; code?: string; message?: string };
    const code = err.responseCode;
    return {
      ok: false,
      durationMs: elapsed(),
      statusCode: code,
      response: err.response ? utf8Excerpt(err.response) : undefined,
      error: `SMTP ${code ? `server answered ${code}` : `failed${err.code ? ` (${err.code})` : ""}`}: ${err.message ?? String(e)}${noteText}`,
      // SMTP 4xx and connection failures are temporary; 5xx is final (lib/dispatch/policy.ts).
      retryable: isRetried(retryDecision({ smtp: code })),
    };
  }
}

function render(config: ChannelConfig, events: RenderableEvent[]): RenderedMessage[] {
  return [renderEmail((config.settings.recipients as string[]) ?? [], templated(config, events))];
}

export const email: ChannelModule = {
  type: "email",
  transport: "smtp",
  validate: async () => ({}),
  render,
  send,
};
