import { dataRows, isoTime, markdownText, packGroups, productLabel, SEVERITY_COLOR, truncate } from "../format";
import { chatWebhookModule } from "../chat-webhook";
import type { RenderableEvent } from "../types";

/**
 * Discord webhooks (DESIGN §4): one embed per event, coloured by severity;
 * a message carries at most 10 embeds and 6,000 characters, so batches are
 * split. `allowed_mentions: {parse: []}` means event text can never ping, and
 * markdown in event text is escaped so it shows as typed.
 */

export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embedsPerMessage: 10,
  charsPerMessage: 6000,
};
/** Room kept per embed below the message limit, so one embed always fits a message on its own. */
const EMBED_BUDGET = 5800;

/** Discord rejects an empty or blank field name or value. */
const visible = (text: string, otherwise: string) => (text.trim() ? text : otherwise);

export type DiscordEmbed = {
  title: string;
  url?: string;
  description?: string;
  color: number;
  timestamp: string;
  fields: { name: string; value: string; inline?: boolean }[];
  footer: { text: string };
};
export type DiscordMessage = { username: string; embeds: DiscordEmbed[]; allowed_mentions: { parse: never[] } };

/** The characters Discord counts towards the 6,000 limit. */
export function embedChars(embed: DiscordEmbed): number {
  return (
    embed.title.length + (embed.description?.length ?? 0) + embed.footer.text.length + embed.fields.reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function renderDiscordEmbed(e: RenderableEvent): DiscordEmbed {
  const title = markdownText(e.title, DISCORD_LIMITS.title) || "(no title)";
  const embed: DiscordEmbed = {
    title,
    url: e.link,
    color: SEVERITY_COLOR[e.severity],
    timestamp: e.occurredAt.toISOString(),
    fields: [
      { name: "Severity", value: e.severity.toUpperCase(), inline: true },
      { name: "Type", value: markdownText(e.type, 200), inline: true },
      { name: "Product", value: markdownText(productLabel(e), 200), inline: true },
    ],
    // Footers do not render markdown: escapes would show as typed.
    footer: { text: truncate(`${e.org.name} · Herald · ${isoTime(e.occurredAt)}`, 300) },
  };
  // A title cut to 256 characters is given in full (up to the description limit) below it.
  if (title.endsWith("…") && e.title.length > DISCORD_LIMITS.title) {
    embed.description = markdownText(e.title, 2000);
  }
  if (e.text) embed.description = markdownText(e.text, 4000) || undefined;
  const rows = dataRows(e.data);
  const room = DISCORD_LIMITS.fields - embed.fields.length - 1;
  let used = embedChars(embed);
  let shown = 0;
  for (const [key, value] of rows.slice(0, room)) {
    const field = { name: visible(markdownText(key, 200), "(empty)"), value: visible(markdownText(value, DISCORD_LIMITS.fieldValue), "\u200b") };
    // Leave room for the "more fields" line.
    if (used + field.name.length + field.value.length > EMBED_BUDGET - 100) break;
    embed.fields.push(field);
    used += field.name.length + field.value.length;
    shown++;
  }
  if (rows.length > shown) {
    embed.fields.push({ name: "…", value: `${rows.length - shown} more data fields, shown in Herald` });
  }
  return embed;
}

export function renderDiscordMessages(events: RenderableEvent[]): DiscordMessage[] {
  const groups = packGroups(
    events.map(renderDiscordEmbed),
    (group) => group.length <= DISCORD_LIMITS.embedsPerMessage && group.reduce((n, embed) => n + embedChars(embed), 0) <= DISCORD_LIMITS.charsPerMessage,
  );
  return groups.map((embeds) => ({ username: "Herald", embeds, allowed_mentions: { parse: [] } }));
}

export const discord = chatWebhookModule("discord", renderDiscordMessages);
