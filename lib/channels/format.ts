import { SEVERITIES, type Severity } from "@/db/schema/values";
import type { RenderableEvent } from "./types";

/** Shared pieces of every renderer: truncation, severity order and colours, the data table. */

export const ELLIPSIS = "…";

/**
 * Cuts text to at most `max` UTF-16 units (what `.length` and the receivers
 * count) without splitting a surrogate pair, ending with a visible "…" when
 * something was cut.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  let out = "";
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out + ELLIPSIS;
}

function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function topSeverity(events: RenderableEvent[]): Severity {
  return events.reduce<Severity>((top, e) => (severityRank(e.severity) > severityRank(top) ? e.severity : top), "debug");
}

/** Colour per severity (hex), for Discord embeds, Slack attachments and e-mail badges. */
export const SEVERITY_COLOR: Record<Severity, number> = {
  debug: 0x94a3b8,
  info: 0x3b82f6,
  warning: 0xf59e0b,
  error: 0xef4444,
  critical: 0xb91c1c,
  alert: 0x7f1d1d,
};

export const hexColor = (s: Severity) => `#${SEVERITY_COLOR[s].toString(16).padStart(6, "0")}`;

/** The event's data as rows of text: nested values as compact JSON. */
export function dataRows(data: Record<string, unknown>): [string, string][] {
  return Object.entries(data ?? {}).map(([key, value]) => [key, typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value)]);
}

export function productLabel(e: RenderableEvent): string {
  return e.product ? e.product.name : "—";
}

export function isoTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The Standard event object (DESIGN §4 `event` format). */
export function eventObject(e: RenderableEvent) {
  return { ...eventHead(e), data: e.data };
}

/** Every field of `eventObject` but `data`, which comes last. */
function eventHead(e: RenderableEvent) {
  return {
    id: e.id,
    created_at: e.occurredAt.toISOString(),
    type: e.type,
    severity: e.severity,
    title: e.title,
    org: e.org.slug,
    product: e.product?.slug ?? null,
  };
}

/**
 * `JSON.stringify(eventObject(e))`, with an event loaded from the database
 * splicing in its stored `data` text as it is (Herald stored it with
 * JSON.stringify) instead of parsing and serialising it again.
 */
export function eventJson(e: RenderableEvent): string {
  if (e.dataJson === undefined) return JSON.stringify(eventObject(e));
  return `${JSON.stringify(eventHead(e)).slice(0, -1)},"data":${e.dataJson}}`;
}

/** Splits items into consecutive groups whose measured size stays within a budget (at least one item each). */
export function packGroups<T>(items: T[], fits: (group: T[]) => boolean): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  for (const item of items) {
    if (current.length && !fits([...current, item])) {
      groups.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length) groups.push(current);
  return groups;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export const ZWSP = "\u200b";

/** Breaks @everyone / @here / @channel so that event text cannot ping anyone even if shown as markdown. */
export function breakMentions(text: string): string {
  return text.replace(/@(everyone|here|channel)\b/gi, `@${ZWSP}$1`);
}

/**
 * Breaks every "@" that starts a word, for receivers that notify any @name (Mattermost): @channel,
 * @all, @here and a user's name alike. One inside a word (web@4f2a9c1, an e-mail address) mentions nobody.
 */
export function breakAllMentions(text: string): string {
  return text.replace(/(^|[^\p{L}\p{N}_])@(?=[\p{L}\p{N}_.-])/gu, `$1@${ZWSP}`);
}

/**
 * Escapes then truncates so the result (escapes included) is at most `max`
 * units and never ends inside an escape sequence such as `&amp;`.
 * `escapeChar` sees the character's place, for escapes that depend on it.
 */
export function fitEscaped(text: string, max: number, escapeChar: (ch: string, i: number, chars: string[]) => string): string {
  let out = "";
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; i++) {
    const piece = escapeChar(chars[i], i, chars);
    const isLast = i === chars.length - 1;
    // Keep room for the ellipsis unless this is the final character.
    if (out.length + piece.length > (isLast ? max : max - 1)) return out + ELLIPSIS;
    out += piece;
  }
  return out;
}

/** CommonMark punctuation that formats chat text wherever it stands (links, emphasis, code, headings, quotes). */
const MARKDOWN_PUNCTUATION = new Set(["\\", "*", "_", "~", "`", "|", "[", "]", "(", ")", "<", ">", "#"]);

/** Whether only blanks precede `chars[i]` on its line. */
function startsLine(chars: string[], i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    if (chars[j] === "\n" || chars[j] === "\r") return true;
    if (chars[j] !== " " && chars[j] !== "\t") return false;
  }
  return true;
}

const blankOrEnd = (ch: string | undefined) => ch === undefined || ch === " " || ch === "\t" || ch === "\n" || ch === "\r";

/**
 * A line's list or heading marker: "-", "+" or "=" opening a line before a
 * blank or a run of the same (a list item, a rule, a heading's underline), or
 * the "." / ")" closing a line's leading digits before a blank (a numbered
 * item). "-5 °C" and "12.40 EUR" are not markers.
 */
function isLineMarker(ch: string, i: number, chars: string[]): boolean {
  const next = chars[i + 1];
  if (ch === "-" || ch === "+" || ch === "=") return (blankOrEnd(next) || next === ch) && startsLine(chars, i);
  if ((ch !== "." && ch !== ")") || !blankOrEnd(next)) return false;
  let j = i - 1;
  while (j >= 0 && chars[j] >= "0" && chars[j] <= "9") j--;
  return j < i - 1 && startsLine(chars, j + 1);
}

const escapeMarkdownChar = (ch: string, i: number, chars: string[]) => (MARKDOWN_PUNCTUATION.has(ch) || isLineMarker(ch, i, chars) ? `\\${ch}` : ch);

/**
 * Event text for a receiver that renders CommonMark (Discord; the Adaptive
 * Card subset Teams renders in TextBlocks and FactSets): every character that
 * would format is escaped with "\\", which CommonMark shows as typed, and
 * @everyone-style mentions are broken. At most `max` units, escapes included.
 */
export const markdownText = (text: string, max: number) => fitEscaped(breakMentions(text), max, escapeMarkdownChar);
