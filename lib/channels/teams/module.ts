import type { Severity } from "@/db/schema/values";
import { dataRows, isoTime, markdownText, packGroups, productLabel } from "../format";
import { chatWebhookModule } from "../chat-webhook";
import type { RenderableEvent } from "../types";

/**
 * Microsoft Teams through a Workflows webhook (DESIGN §4): an Adaptive Card
 * 1.4 in `attachments`, each message under 28 KB. Long values are cut with a
 * visible "…"; a batch that does not fit one card is split over several.
 * TextBlocks and FactSets render a markdown subset (links, emphasis, lists):
 * event text is escaped so it shows as typed.
 */

export const TEAMS_MAX_BYTES = 28 * 1024;
/** Headroom under the limit for the receiver's own envelope. */
const CARD_BUDGET_BYTES = TEAMS_MAX_BYTES - 1024;
const MAX_FACTS = 30;

const CONTAINER_STYLE: Record<Severity, string> = {
  debug: "default",
  info: "accent",
  warning: "warning",
  error: "attention",
  critical: "attention",
  alert: "attention",
};

type Element = Record<string, unknown>;
export type TeamsMessage = { type: "message"; attachments: { contentType: string; contentUrl: null; content: Element }[] };

function eventContainer(e: RenderableEvent, valueLimit: number): Element {
  const rows = dataRows(e.data);
  const facts = rows
    .slice(0, MAX_FACTS)
    .map(([title, value]) => ({ title: markdownText(title, 100).trim() || "(empty)", value: markdownText(value, valueLimit) || " " }));
  const items: Element[] = [
    { type: "TextBlock", text: markdownText(e.title, Math.max(valueLimit, 200)) || "(no title)", size: "Medium", weight: "Bolder", wrap: true },
    {
      type: "FactSet",
      facts: [
        { title: "Severity", value: e.severity.toUpperCase() },
        { title: "Type", value: markdownText(e.type, 200) },
        { title: "Product", value: markdownText(productLabel(e), 200) },
        { title: "Time", value: isoTime(e.occurredAt) },
      ],
    },
  ];
  if (e.text) items.push({ type: "TextBlock", text: markdownText(e.text, Math.max(valueLimit, 2000)) || " ", wrap: true });
  if (facts.length) items.push({ type: "FactSet", facts });
  if (rows.length > facts.length) {
    items.push({ type: "TextBlock", text: `… and ${rows.length - facts.length} more data fields, shown in Herald`, isSubtle: true, wrap: true });
  }
  items.push({ type: "TextBlock", text: `[View in Herald](${e.link})`, wrap: true });
  return { type: "Container", style: CONTAINER_STYLE[e.severity], separator: true, items };
}

function card(containers: Element[]): TeamsMessage {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          msteams: { width: "Full" },
          body: containers,
        },
      },
    ],
  };
}

export const messageBytes = (m: unknown) => Buffer.byteLength(JSON.stringify(m), "utf8");

/** The container of one event, with values cut shorter until a card holding it alone fits. */
function fittingContainer(e: RenderableEvent): Element {
  for (const limit of [1000, 400, 150, 60, 20]) {
    const container = eventContainer(e, limit);
    if (messageBytes(card([container])) <= CARD_BUDGET_BYTES) return container;
  }
  return eventContainer(e, 5);
}

export function renderTeamsMessages(events: RenderableEvent[]): TeamsMessage[] {
  const groups = packGroups(events.map(fittingContainer), (group) => messageBytes(card(group)) <= CARD_BUDGET_BYTES);
  return groups.map(card);
}

export const teams = chatWebhookModule("teams", renderTeamsMessages);
