import type { RenderableEvent } from "../types";
import { dataRows, escapeHtml, hexColor, isoTime, productLabel, topSeverity, truncate } from "../format";

/**
 * The e-mail of one delivery (DESIGN §4): an HTML table of all its events and
 * a plain-text alternative; the subject names the count, the top severity and
 * the product. Every piece of event text is HTML-escaped.
 */

export const SUBJECT_MAX = 200;
const VALUE_MAX = 2000;

// A subject is one line of text (RFC 5322): control characters (C0, DEL, C1 — NEL among them) and Unicode line/paragraph separators become spaces.
const oneLine = (text: string) => text.replace(/[\p{Cc}\u2028\u2029]+/gu, " ").trim();

export function emailSubject(events: RenderableEvent[]): string {
  const severity = topSeverity(events).toUpperCase();
  const products = [...new Set(events.map((e) => e.product?.name ?? null))];
  const where = products.length === 1 && products[0] ? products[0] : (events[0]?.org.name ?? "Herald");
  if (events.length === 1) {
    const e = events[0];
    return truncate(oneLine(`[${severity}] ${e.product ? `${e.product.name}: ` : ""}${e.title}`), SUBJECT_MAX);
  }
  const named = products.filter(Boolean).length;
  const spread = named > 1 ? ` (${named} products)` : "";
  return truncate(oneLine(`[${severity}] ${events.length} events for ${where}${spread}`), SUBJECT_MAX);
}

const cell = "padding:6px 10px;border-bottom:1px solid #e2e8f0;vertical-align:top;text-align:left";

function dataTableHtml(e: RenderableEvent): string {
  // A message template's body, as written (escaped, its line breaks kept).
  const text = e.text ? `<p style="margin:6px 0 0;font-size:13px;white-space:pre-wrap;word-break:break-word">${escapeHtml(truncate(e.text, 20_000))}</p>` : "";
  const rows = dataRows(e.data);
  if (!rows.length) return text;
  const body = rows
    .map(
      ([k, v]) =>
        `<tr><td style="padding:2px 8px 2px 0;color:#64748b;vertical-align:top">${escapeHtml(truncate(k, 200))}</td>` +
        `<td style="padding:2px 0;word-break:break-word">${escapeHtml(truncate(v, VALUE_MAX))}</td></tr>`,
    )
    .join("");
  return `${text}<table role="presentation" style="margin-top:6px;font-size:12px;border-collapse:collapse">${body}</table>`;
}

/** " · Snooze": a link that opens the event's snooze control, when the event has one. */
const snoozeHtml = (e: RenderableEvent) => (e.snoozeLink ? ` · <a href="${escapeHtml(e.snoozeLink)}" style="color:#64748b">Snooze</a>` : "");

export function emailHtml(events: RenderableEvent[]): string {
  const org = events[0]?.org.name ?? "Herald";
  const rows = events
    .map((e) => {
      const badge = `<span style="display:inline-block;padding:1px 6px;border-radius:4px;color:#fff;background:${hexColor(e.severity)};font-size:11px;font-weight:600">${e.severity.toUpperCase()}</span>`;
      const title = `<a href="${escapeHtml(e.link)}" style="color:#0f172a;font-weight:600">${escapeHtml(truncate(e.title, VALUE_MAX))}</a>`;
      return (
        `<tr><td style="${cell}">${badge}</td>` +
        `<td style="${cell}">${title}<div style="color:#64748b;font-size:12px">${escapeHtml(e.type)}${snoozeHtml(e)}</div>${dataTableHtml(e)}</td>` +
        `<td style="${cell}">${escapeHtml(productLabel(e))}</td>` +
        `<td style="${cell};white-space:nowrap">${escapeHtml(isoTime(e.occurredAt))}</td></tr>`
      );
    })
    .join("");
  const count = events.length === 1 ? "1 event" : `${events.length} events`;
  return (
    `<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;color:#0f172a">` +
    `<p style="margin:0 0 12px">${count} from Herald for <strong>${escapeHtml(org)}</strong>.</p>` +
    `<table role="presentation" style="border-collapse:collapse;width:100%;font-size:14px">` +
    `<thead><tr><th style="${cell}">Severity</th><th style="${cell}">Event</th><th style="${cell}">Product</th><th style="${cell}">Time</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>` +
    `<p style="margin-top:16px;color:#64748b;font-size:12px">Sent by Herald. Change what you receive in the console's notification settings.</p>` +
    `</body></html>`
  );
}

export function emailText(events: RenderableEvent[]): string {
  const org = events[0]?.org.name ?? "Herald";
  const count = events.length === 1 ? "1 event" : `${events.length} events`;
  const blocks = events.map((e) => {
    const lines = [
      `[${e.severity.toUpperCase()}] ${oneLine(truncate(e.title, VALUE_MAX))}`,
      `  type: ${e.type} · product: ${productLabel(e)} · time: ${isoTime(e.occurredAt)}`,
    ];
    if (e.text)
      lines.push(
        ...truncate(e.text, 20_000)
          .split("\n")
          .map((line) => `  ${line}`),
      );
    for (const [k, v] of dataRows(e.data)) lines.push(`  ${oneLine(truncate(k, 200))}: ${truncate(v, VALUE_MAX)}`);
    lines.push(`  ${e.link}`);
    if (e.snoozeLink) lines.push(`  snooze: ${e.snoozeLink}`);
    return lines.join("\n");
  });
  return `${count} from Herald for ${org}.\n\n${blocks.join("\n\n")}\n`;
}
