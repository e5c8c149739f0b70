import { breakMentions, dataRows, fitEscaped, isoTime, productLabel, truncate } from "../format";
import { chatWebhookModule } from "../chat-webhook";
import type { RenderableEvent } from "../types";

/**
 * Slack incoming webhooks (DESIGN §4): one message per event, Block Kit with a
 * `text` fallback, within Slack's limits (header ≤ 150, section text ≤ 3,000,
 * field ≤ 2,000, ≤ 10 fields per section, ≤ 50 blocks). Event text is escaped
 * (`&`, `<`, `>`) so it cannot form links or `<!channel>` mentions.
 */

export const SLACK_LIMITS = { header: 150, sectionText: 3000, fieldText: 2000, fieldsPerSection: 10, blocks: 50, text: 3000 };
/** Data rows shown per message; the rest is counted in a visible line. */
const MAX_DATA_SECTIONS = 4;

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
const escapeChar = (ch: string) => ESCAPES[ch] ?? ch;

/** mrkdwn-safe text of at most `max` characters. */
const slackText = (text: string, max: number) => fitEscaped(breakMentions(text), max, escapeChar);

type SlackBlock = Record<string, unknown>;
export type SlackMessage = { text: string; blocks: SlackBlock[] };

const mrkdwn = (text: string) => ({ type: "mrkdwn", text });

export function renderSlackMessage(e: RenderableEvent): SlackMessage {
  const severity = e.severity.toUpperCase();
  const blocks: SlackBlock[] = [
    { type: "header", text: { type: "plain_text", text: truncate(breakMentions(e.title), SLACK_LIMITS.header) || "(no title)", emoji: false } },
    {
      type: "section",
      text: mrkdwn(
        slackText(`*Severity:* ${severity}\n*Type:* ${e.type}\n*Product:* ${productLabel(e)}\n*Time:* ${isoTime(e.occurredAt)}`, SLACK_LIMITS.sectionText),
      ),
    },
  ];
  if (e.text) blocks.push({ type: "section", text: mrkdwn(slackText(e.text, SLACK_LIMITS.sectionText) || " ") });
  const rows = dataRows(e.data);
  const shown = rows.slice(0, MAX_DATA_SECTIONS * SLACK_LIMITS.fieldsPerSection);
  for (let i = 0; i < shown.length; i += SLACK_LIMITS.fieldsPerSection) {
    const fields = shown.slice(i, i + SLACK_LIMITS.fieldsPerSection).map(([key, value]) => {
      const label = `*${slackText(key, 200)}*\n`;
      return mrkdwn(label + (slackText(value, SLACK_LIMITS.fieldText - label.length) || " "));
    });
    blocks.push({ type: "section", fields });
  }
  if (rows.length > shown.length) {
    blocks.push({ type: "context", elements: [mrkdwn(`… and ${rows.length - shown.length} more data fields, shown in Herald`)] });
  }
  blocks.push({
    type: "context",
    elements: [mrkdwn(`<${slackUrl(e.link)}|View in Herald>${e.snoozeLink ? ` · <${slackUrl(e.snoozeLink)}|Snooze>` : ""} · ${slackText(e.org.name, 200)}`)],
  });
  return { text: slackText(`[${severity}] ${e.title}`, SLACK_LIMITS.text), blocks };
}

/** A URL inside Slack's <url|label>: the characters that would end it, escaped. */
const slackUrl = (url: string) => url.replace(/[<>|]/g, encodeURIComponent);

export const slack = chatWebhookModule("slack", (events) => events.map(renderSlackMessage));
