import { Liquid, type Template } from "liquidjs";
import type { ChannelType } from "@/db/schema/values";
import { TEMPLATE_MAX_CHARS, type MessageTemplate } from "@/lib/validation/channel-fields";
import { topSeverity } from "./format";
import type { ChannelConfig, RenderableEvent, SendResult } from "./types";

/**
 * Message templates (issue #24 item 1): a channel's own title and body for the
 * chat and e-mail formats, or its own JSON body for a webhook, written in
 * Liquid (liquidjs) — Shopify's sandboxed template language: no code runs, no
 * file is read (`templates: {}` leaves `include`/`render` nothing to load),
 * only the events' own properties are visible (`ownPropertyOnly`), and each
 * render is bounded in time, memory and output size. Receivers' limits still
 * apply after templating: each renderer cuts what a template produced as it
 * cuts an event's own text.
 */

/** Longest text a render may produce: beyond it the render fails (a webhook body) or is cut (chat, e-mail). */
const TEMPLATE_MAX_OUTPUT = 100_000;

const liquid = new Liquid({
  templates: {},
  strictFilters: true,
  ownPropertyOnly: true,
  parseLimit: TEMPLATE_MAX_CHARS,
  renderLimit: 200,
  memoryLimit: 1e7,
  cache: 256,
});

export class TemplateError extends Error {
  constructor(
    message: string,
    /** 1-based line of the template the error is on, when the parser names one. */
    readonly line?: number,
  ) {
    super(message);
    this.name = "TemplateError";
  }
}

const parsed = new Map<string, Template[]>();

function parse(source: string): Template[] {
  let templates = parsed.get(source);
  if (templates) return templates;
  try {
    templates = liquid.parse(source);
  } catch (e) {
    throw templateError(e);
  }
  if (parsed.size >= 256) parsed.delete(parsed.keys().next().value!);
  parsed.set(source, templates);
  return templates;
}

function templateError(e: unknown): TemplateError {
  const err = e as { message?: string; token?: { getPosition?: () => [number, number] } };
  const line = err.token?.getPosition?.()[0];
  // liquidjs appends ", line:3, col:5" and the source excerpt: keep the first line, say the line once.
  const message = (err.message ?? String(e)).split("\n")[0].replace(/, line:\d+, col:\d+$/, "");
  return new TemplateError(line ? `line ${line}: ${message}` : message, line);
}

/** What a template sees: the first (or only) event as `event`, all of them as `events`, their `count`. */
function templateContext(events: RenderableEvent[]) {
  const plain = events.map((e) => ({
    id: e.id,
    type: e.type,
    severity: e.severity,
    title: e.title,
    data: e.data,
    occurred_at: e.occurredAt.toISOString(),
    org: { slug: e.org.slug, name: e.org.name },
    product: e.product ? { slug: e.product.slug, name: e.product.name } : null,
    link: e.link,
  }));
  return { event: plain[0], events: plain, count: plain.length, severity: events.length ? topSeverity(events) : "info" };
}

/** Renders one template against the events; throws TemplateError on a mistake, an overlong output, or a render past its limits. */
export function renderTemplate(source: string, events: RenderableEvent[]): string {
  let out: string;
  try {
    out = String(liquid.renderSync(parse(source), templateContext(events)));
  } catch (e) {
    throw e instanceof TemplateError ? e : templateError(e);
  }
  if (out.length > TEMPLATE_MAX_OUTPUT)
    throw new TemplateError(`renders ${out.length.toLocaleString("en")} characters; at most ${TEMPLATE_MAX_OUTPUT.toLocaleString("en")}`);
  return out;
}

/** A webhook template's body: its output must be JSON (returned compact, as it is signed and sent). */
export function renderJsonTemplate(source: string, events: RenderableEvent[]): string {
  const out = renderTemplate(source, events);
  try {
    return JSON.stringify(JSON.parse(out));
  } catch (e) {
    throw new TemplateError(`does not render valid JSON (${(e as Error).message})`);
  }
}

/** A chat or e-mail template's title and body, rendered (the title on one line). */
function renderMessageTemplate(template: MessageTemplate, events: RenderableEvent[]): { title: string; body: string } {
  const title = template.title
    ? renderTemplate(template.title, events).replace(/\s+/g, " ").trim()
    : events.length === 1
      ? events[0].title
      : `${events.length} events`;
  return { title, body: template.body ? renderTemplate(template.body, events).trim() : "" };
}

/**
 * Save-time check: parses each part and renders it against sample events, so
 * a mistake is refused with its line before any event meets it. Returns field
 * errors keyed `template.title` / `template.body`.
 */
export function checkTemplate(type: ChannelType, template: MessageTemplate, samples: RenderableEvent[]): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const part of ["title", "body"] as const) {
    const source = template[part];
    if (!source) continue;
    try {
      if (type === "webhook" && part === "body") renderJsonTemplate(source, samples);
      else renderTemplate(source, samples);
    } catch (e) {
      errors[`template.${part}`] = [(e as Error).message];
    }
  }
  return errors;
}

/**
 * The events as a templated chat or e-mail channel shows them: one message
 * standing for them all (a digest too), with the template's title and its body
 * where the data would be; the events themselves when the channel has no
 * template. Throws TemplateError.
 */
export function templated(config: ChannelConfig, events: RenderableEvent[]): RenderableEvent[] {
  const template = config.settings.template as MessageTemplate | undefined;
  if (!template || config.type === "webhook" || events.length === 0) return events;
  const { title, body } = renderMessageTemplate(template, events);
  const first = events[0];
  return [
    {
      id: first.id,
      type: first.type,
      severity: topSeverity(events),
      title,
      data: {},
      occurredAt: first.occurredAt,
      org: first.org,
      product: first.product,
      link: first.link,
      snoozeLink: events.length === 1 ? first.snoozeLink : undefined,
      text: body || undefined,
    },
  ];
}

/** Sends what `templated` makes of the events. A template that fails is a failed attempt saying why, not retried: it would fail again. */
export async function withTemplate(
  channel: ChannelConfig,
  events: RenderableEvent[],
  send: (shown: RenderableEvent[]) => Promise<SendResult>,
): Promise<SendResult> {
  let shown: RenderableEvent[];
  try {
    shown = templated(channel, events);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return { ok: false, durationMs: 0, retryable: false, error: `the message template failed: ${e.message}` };
  }
  return send(shown);
}
