import type { ChannelType } from "@/db/schema/values";
import { definitionOf } from "@/lib/channels/definitions";
import { ELLIPSIS } from "@/lib/channels/format";
import type { RenderableEvent, RenderedMessage } from "@/lib/channels/types";

/**
 * Warnings for the preview where a receiver's limit changed the message:
 * found by comparing what the real renderers produced with what went in —
 * more messages than the format sends by design (a split), text that ends in
 * "…" where the input did not (a cut), data fields left out.
 */

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
  const texts = events.flatMap((e) => [e.title, ...Object.entries(e.data).flatMap(([k, v]) => [k, typeof v === "string" ? v : (JSON.stringify(v) ?? "")])]);
  return texts.some((t) => t.trimEnd().endsWith(ELLIPSIS));
}

export function limitWarnings(type: ChannelType, settings: Record<string, unknown>, events: RenderableEvent[], messages: RenderedMessage[]): string[] {
  const warnings: string[] = [];
  const { limits, messagesPerDelivery } = definitionOf(type);
  const why = limits ? ` (${limits})` : "";
  // How many messages the type sends by design (one per event, or one for the batch): more is a split.
  const expected = messagesPerDelivery ? messagesPerDelivery(events.length, settings) : 1;
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
