import { breakAllMentions, dataRows, hexColor, isoTime, markdownText, productLabel, truncate, ZWSP } from "../format";
import { chatWebhookModule } from "../chat-webhook";
import type { RenderableEvent } from "../types";

/**
 * Mattermost incoming webhooks (docs.mattermost.com, "Incoming webhooks" and
 * "Message attachments"): one message per event, a Slack-style attachment
 * coloured by severity with the event's fields. Mattermost renders markdown in
 * an attachment's text and field values and notifies any @name in them, so
 * event text is markdown-escaped and every "@" is kept from forming a mention.
 * Sizes stay within what every server takes (4,000 characters per message
 * before Mattermost 5.0).
 */

export const MATTERMOST_LIMITS = { title: 250, text: 4000, fieldValue: 1000, fields: 20, fallback: 300 };

type MattermostField = { short: boolean; title: string; value: string };
type MattermostAttachment = {
  fallback: string;
  color: string;
  title: string;
  title_link: string;
  text?: string;
  fields: MattermostField[];
  footer: string;
};
export type MattermostMessage = { username: string; text: string; attachments: MattermostAttachment[] };

/** Markdown shown as typed, without mentions, at most `max` characters. */
const shown = (text: string, max: number) => markdownText(breakAllMentions(text), max);
/** Plain text (title, fallback, footer, field titles: not rendered as markdown), without mentions. */
const plain = (text: string, max: number) => truncate(breakAllMentions(text), max);
/** A link target inside markdown's (…): the characters that would end it, escaped. */
const linkTarget = (url: string) => url.replace(/[()<> ]/g, encodeURIComponent);

export function renderMattermostMessage(e: RenderableEvent): MattermostMessage {
  const severity = e.severity.toUpperCase();
  const fields: MattermostField[] = [
    { short: true, title: "Severity", value: severity },
    { short: true, title: "Type", value: shown(e.type, 200) },
    { short: true, title: "Product", value: shown(productLabel(e), 200) },
    { short: true, title: "Time", value: isoTime(e.occurredAt) },
  ];
  const rows = dataRows(e.data);
  const room = MATTERMOST_LIMITS.fields - fields.length - 1;
  for (const [key, value] of rows.slice(0, room)) {
    fields.push({ short: false, title: plain(key, 200) || "(empty)", value: shown(value, MATTERMOST_LIMITS.fieldValue) || ZWSP });
  }
  if (rows.length > room) fields.push({ short: false, title: "…", value: `${rows.length - room} more data fields, shown in Herald` });
  const links = `[View in Herald](${linkTarget(e.link)})${e.snoozeLink ? ` · [Snooze](${linkTarget(e.snoozeLink)})` : ""}`;
  const attachment: MattermostAttachment = {
    fallback: plain(`[${severity}] ${e.title}`, MATTERMOST_LIMITS.fallback),
    color: hexColor(e.severity),
    title: plain(e.title, MATTERMOST_LIMITS.title) || "(no title)",
    title_link: e.link,
    fields,
    footer: plain(`${e.org.name} · Herald`, 300),
  };
  if (e.text) attachment.text = shown(e.text, MATTERMOST_LIMITS.text - links.length - 2);
  return { username: "Herald", text: links, attachments: [attachment] };
}

export const mattermost = chatWebhookModule("mattermost", (events) => events.map(renderMattermostMessage));
