import type { ChannelType } from "@/db/schema/values";
import { ELLIPSIS } from "@/lib/channels/format";
import type { RenderableEvent, RenderedMessage } from "@/lib/channels/types";
import type { WebhookFormat } from "@/lib/validation/channels";

/**
 * Warnings for the preview where a receiver's limit changed the message:
 * found by comparing what the real renderers produced with what went in —
 * more messages than the format sends by design (a split), text that ends in
 * "…" where the input did not (a cut), data fields left out.
 */

const LIMITS: Partial<Record<ChannelType, string>> = {
  slack: "Slack allows a 150-character header, 3,000 characters per section and 2,000 per field",
  discord: "Discord allows 10 embeds and 6,000 characters per message, 256 per title and 1,024 per field",
  teams: "Teams accepts cards under 28 KB; Herald keeps values under 1,000 characters",
  email: "Herald keeps e-mail subjects under 200 characters and values under 2,000",
  inbox: "inbox titles are kept under 500 characters",
};

/** How many messages the format sends by design (one per event, or one for the batch). */
function messagesByDesign(type: ChannelType, format: WebhookFormat | undefined, eventCount: number): number {
  if (type === "slack" || type === "inbox") return eventCount;
  if (type === "webhook" && format === "event") return eventCount;
  return 1;
}

/** Every string inside a rendered message (bodies walked recursively; e-mail by line). */
function renderedStrings(message: RenderedMessage): string[] {
  if (message.kind === "email") return [message.subject, ...message.text.split("\n")];
  if (message.kind === "inbox") return [message.title];
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === "string") out.push(...value.split("\n"));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(message.body);
  return out;
}

function inputEndsWithEllipsis(events: RenderableEvent[]): boolean {
  const texts = events.flatMap((e) => [e.title, ...Object.entries(e.data).flatMap(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v) ?? ""])]);
  return texts.some((t) => t.trimEnd().endsWith(ELLIPSIS));
}

export function limitWarnings(
  type: ChannelType,
  format: WebhookFormat | undefined,
  events: RenderableEvent[],
  messages: RenderedMessage[],
): string[] {
  const warnings: string[] = [];
  const why = LIMITS[type] ? ` (${LIMITS[type]})` : "";
  const expected = messagesByDesign(type, format, events.length);
  if (messages.length > expected) {
    warnings.push(`Split into ${messages.length} messages to stay within the receiver's limits${why}.`);
  }
  const strings = messages.flatMap(renderedStrings);
  if (!inputEndsWithEllipsis(events) && strings.some((s) => s.trimEnd().endsWith(ELLIPSIS))) {
    warnings.push(`Some text was shortened (ending in "…") to fit the receiver's limits${why}; the full text stays in Herald.`);
  }
  if (strings.some((s) => /more data fields, shown in Herald/.test(s))) {
    warnings.push("Some data fields were left out of the message; they are listed in Herald.");
  }
  return warnings;
}
