import type { Severity, SilenceMatchers } from "@/db/schema/values";

/** A rule as matching sees it: already filtered to enabled rules, with its enabled channels. */
export type MatchableRule = {
  id: string;
  /** Set for a product rule. */
  productId: string | null;
  /** For org rules: only events of these products (empty = every event of the org). */
  productFilter: string[];
  eventTypes: string[] | "all";
  severities: Severity[];
  mode: "immediate" | "digest";
  digestMinutes: number | null;
  splitByProduct: boolean;
  channelIds: string[];
};

export type MatchableEvent = { type: string; severity: Severity; productId: string | null };

export type Target = {
  channelId: string;
  ruleId: string;
  mode: "immediate" | "digest";
  digestMinutes: number | null;
  splitByProduct: boolean;
};

export function ruleMatches(rule: MatchableRule, event: MatchableEvent): boolean {
  if (rule.productId !== null) {
    // A product rule sees only its own product's events.
    if (event.productId !== rule.productId) return false;
  } else if (rule.productFilter.length > 0) {
    if (event.productId === null || !rule.productFilter.includes(event.productId)) return false;
  }
  if (rule.eventTypes !== "all" && !rule.eventTypes.includes(event.type)) return false;
  return rule.severities.includes(event.severity);
}

/** What a rule looks at, in the order "What would match" names it. */
export type MatchCriterion = "product" | "type" | "severity";

/**
 * Which of the rule's criteria the event misses (none: it matches, as
 * ruleMatches says). Apart from ruleMatches, which ingest runs for every
 * event and rule, so that one allocates nothing.
 */
export function missedCriteria(rule: MatchableRule, event: MatchableEvent): MatchCriterion[] {
  const missed: MatchCriterion[] = [];
  const productOk =
    rule.productId !== null
      ? event.productId === rule.productId
      : rule.productFilter.length === 0 || (event.productId !== null && rule.productFilter.includes(event.productId));
  if (!productOk) missed.push("product");
  if (rule.eventTypes !== "all" && !rule.eventTypes.includes(event.type)) missed.push("type");
  if (!rule.severities.includes(event.severity)) missed.push("severity");
  return missed;
}

/** Immediate beats digest, and a shorter digest window beats a longer one. */
function sooner(a: Target, b: Target): Target {
  if (a.mode !== b.mode) return a.mode === "immediate" ? a : b;
  if (a.mode === "digest" && (b.digestMinutes ?? 0) < (a.digestMinutes ?? 0)) return b;
  return a;
}

/**
 * Where one event goes: every matching rule's channels, each channel once
 * (DESIGN §2: several rules naming the same channel send to it once, at the
 * soonest of their modes).
 */
export function matchTargets(rules: readonly MatchableRule[], event: MatchableEvent): Target[] {
  const byChannel = new Map<string, Target>();
  for (const rule of rules) {
    if (!ruleMatches(rule, event)) continue;
    for (const channelId of rule.channelIds) {
      const target: Target = { channelId, ruleId: rule.id, mode: rule.mode, digestMinutes: rule.digestMinutes, splitByProduct: rule.splitByProduct };
      const existing = byChannel.get(channelId);
      byChannel.set(channelId, existing ? sooner(existing, target) : target);
    }
  }
  return [...byChannel.values()];
}

/** A silence in force (lib/silences): what ingest checks each target against. */
export type ActiveSilence = { id: string; matchers: SilenceMatchers };

export type SilenceableEvent = MatchableEvent & { title: string; data: Record<string, unknown>; isTest?: boolean };

/** A data value as a silence compares it: strings as they are, anything else as its JSON. */
const asText = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** Whether a silence's matchers hold for the event (channels aside: see `silencing`). */
function silenceMatches(m: SilenceMatchers, event: SilenceableEvent): boolean {
  if (m.eventTypes.length && !m.eventTypes.includes(event.type)) return false;
  if (m.products.length && (event.productId === null || !m.products.includes(event.productId))) return false;
  if (m.severities.length && !m.severities.includes(event.severity)) return false;
  if (m.title !== null && m.title !== event.title) return false;
  return m.data.every(({ key, value }) => Object.hasOwn(event.data, key) && asText(event.data[key]) === value);
}

/** The first silence that keeps the event from this channel, or null. Test alerts are never silenced. */
export function silencing(silences: readonly ActiveSilence[], event: SilenceableEvent, channelId: string): string | null {
  if (event.isTest) return null;
  for (const s of silences) if ((!s.matchers.channels.length || s.matchers.channels.includes(channelId)) && silenceMatches(s.matchers, event)) return s.id;
  return null;
}

/**
 * Where one event goes once silences have had their say: the targets kept, and
 * the silence that kept it from one or more (null when none did). The event is
 * stored either way, marked with that silence.
 */
export function routeEvent(
  rules: readonly MatchableRule[],
  silences: readonly ActiveSilence[],
  event: SilenceableEvent,
): { targets: Target[]; silencedBy: string | null } {
  const targets = matchTargets(rules, event);
  if (!silences.length) return { targets, silencedBy: null };
  let silencedBy: string | null = null;
  const kept: Target[] = [];
  for (const target of targets) {
    const silence = silencing(silences, event, target.channelId);
    if (silence) silencedBy ??= silence;
    else kept.push(target);
  }
  return { targets: kept, silencedBy };
}

/** The digest window an event at `at` falls in, and the key of the pending digest that collects it. */
export function digestSlot(target: Target, productId: string | null, at: number) {
  const windowMs = (target.digestMinutes ?? 5) * 60_000;
  const start = Math.floor(at / windowMs) * windowMs;
  const productPart = target.splitByProduct ? (productId ?? "-") : "*";
  return { key: `${target.channelId}:${target.ruleId}:${start}:${productPart}`, closesAt: start + windowMs };
}
