import { and, asc, eq, gt, inArray, lte } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import {
  attempts,
  channels,
  deliveries,
  deliveryEvents,
  events,
  products,
  rules,
  silences,
  type ChannelType,
  type DeliveryStatus,
  type Severity,
} from "@/db/schema";
import type { CHANNEL_HEALTH } from "@/db/schema/values";
import { notFound } from "@/lib/errors";
import { channelIdsOf, matchable } from "./matchable";
import { missedCriteria, silencing, type MatchableRule, type MatchCriterion } from "@/lib/events/matching";
import { isQuietDigestKey } from "@/lib/events/quiet-hours";
import { utcTime } from "@/lib/format";

/**
 * "Why did (or didn't) this notify?" (issue #23): for one stored event, every
 * rule of the org and whether it took the event — and if not, why — each
 * channel a taking rule names and what became of it, the deliveries made with
 * their attempts, and the same from the channels' side ("this channel received
 * nothing because …"). Rules are judged by the matching code ingest runs, as
 * they read now; where a rule or channel changed after the event arrived, the
 * trace says so rather than guess what it said then.
 */

type TraceChannel = { id: string; name: string; type: ChannelType; enabled: boolean; health: (typeof CHANNEL_HEALTH)[number] };

/** What became of one channel of a rule that took the event. */
type ChannelOutcome =
  /** This rule's delivery: see its status. */
  | "delivery"
  /** Several rules name the channel; it got one delivery, made for another of them. */
  | "merged"
  | "channel-disabled"
  /** A silence in force when the event arrived kept it from the channel. */
  | "silenced"
  /** No delivery, for a reason the trace names (a change after the event arrived, mostly). */
  | "none";

export type RuleTrace = {
  rule: { id: string; name: string; scope: "org" | "product"; product: string | null; enabled: boolean };
  verdict: "took" | "missed" | "disabled";
  /** For `missed`: the criteria the event fails, in words. */
  reasons: string[];
  /** The rule was changed after the event arrived: it is judged as it reads now. */
  changedSince: boolean;
  channels: { channel: TraceChannel; outcome: ChannelOutcome; deliveryId: string | null; explanation: string }[];
};

type TraceAttempt = { at: string; outcome: string; statusCode: number | null; durationMs: number; error: string | null };

type TraceDelivery = {
  id: string;
  status: DeliveryStatus;
  channel: TraceChannel;
  /** The rule it was made for; null for a test alert, or a rule deleted since. */
  rule: { id: string; name: string } | null;
  collecting: boolean;
  /** A flood summary (lib/events/flood.ts): the window it stands for, in minutes; null otherwise. */
  floodMinutes: number | null;
  /** Held for the channel's working hours (lib/events/quiet-hours.ts), while it waits. */
  quietHours: boolean;
  nextAttemptAt: string | null;
  lastError: string | null;
  attempts: TraceAttempt[];
};

export type EventTrace = {
  event: {
    id: string;
    type: string;
    severity: Severity;
    product: string | null;
    receivedAt: string;
    isTest: boolean;
    silencedBy: { id: string; reason: string } | null;
  };
  /** Taking rules first, then disabled ones, then the rest. */
  rules: RuleTrace[];
  /** Every channel of the org (and of the event's product): received it, or why not. */
  channels: { channel: TraceChannel; received: boolean; deliveryId: string | null; why: string }[];
  deliveries: TraceDelivery[];
};

function missedInWords(
  criterion: MatchCriterion,
  rule: MatchableRule,
  event: { type: string; severity: Severity; productId: string | null },
  slugOf: Map<string, string>,
): string {
  if (criterion === "severity") return `severity ${event.severity} is not among the rule's (${rule.severities.join(", ")})`;
  if (criterion === "type") return `event type ${event.type} is not among the rule's`;
  if (rule.productId)
    return `the rule is product ${slugOf.get(rule.productId) ?? rule.productId}'s, the event ${event.productId ? `product ${slugOf.get(event.productId) ?? event.productId}'s` : "the organization's"}`;
  return event.productId
    ? `product ${slugOf.get(event.productId) ?? event.productId} is not among the rule's products`
    : "the event belongs to no product, and the rule takes only some products";
}

function deliveryInWords(d: TraceDelivery): string {
  if (d.floodMinutes !== null) {
    const flooded = `Flood control: the channel got more than its limit from this source, so this event goes in one summary of ${d.floodMinutes} min`;
    if (d.collecting) return `${flooded}; it goes out at ${d.nextAttemptAt ? utcTime(new Date(d.nextAttemptAt)) : "the window's end"}.`;
    return `${flooded}. ${deliveryInWords({ ...d, floodMinutes: null })}`;
  }
  if (d.collecting && d.quietHours)
    return `Quiet hours: waits for the channel's working hours; it goes out at ${d.nextAttemptAt ? utcTime(new Date(d.nextAttemptAt)) : "their start"}.`;
  if (d.collecting) return `Collecting in a digest; it goes out at ${d.nextAttemptAt ? utcTime(new Date(d.nextAttemptAt)) : "the window's end"}.`;
  const tried = `${d.attempts.length} attempt${d.attempts.length === 1 ? "" : "s"}`;
  switch (d.status) {
    case "delivered":
      return `Delivered (${tried}).`;
    case "queued":
      return d.attempts.length
        ? `Retrying (${tried} so far; next at ${d.nextAttemptAt ? utcTime(new Date(d.nextAttemptAt)) : "once due"}): ${d.lastError ?? "the last attempt failed"}.`
        : "Queued: goes out within seconds.";
    case "sending":
      return "Being sent now.";
    case "failed":
      return `Failed (${tried}): ${d.lastError ?? "the receiver refused it"}.`;
    case "dead":
      return `Given up after ${tried}: ${d.lastError ?? "every attempt failed"}.`;
  }
}

export async function traceEvent(db: DbOrTx, orgId: string, eventId: string): Promise<EventTrace> {
  const [event] = await db
    .select()
    .from(events)
    .where(and(eq(events.orgId, orgId), eq(events.id, eventId)))
    .limit(1);
  if (!event) throw notFound("Event");
  const slugOf = new Map(
    (await db.select({ id: products.id, slug: products.slug }).from(products).where(eq(products.orgId, orgId))).map((p) => [p.id, p.slug]),
  );
  const channelRows = await db
    .select({
      id: channels.id,
      name: channels.name,
      type: channels.type,
      enabled: channels.enabled,
      health: channels.health,
      productId: channels.productId,
      updatedAt: channels.updatedAt,
    })
    .from(channels)
    .where(eq(channels.orgId, orgId))
    .orderBy(asc(channels.name), asc(channels.id));
  const channelOf = new Map(channelRows.map(({ id, name, type, enabled, health }) => [id, { id, name, type, enabled, health } satisfies TraceChannel]));
  const ruleRows = await db.select().from(rules).where(eq(rules.orgId, orgId)).orderBy(asc(rules.createdAt), asc(rules.id));
  const links = await channelIdsOf(
    db,
    ruleRows.map((r) => r.id),
  );
  const ruleName = new Map(ruleRows.map((r) => [r.id, r.name]));

  // The deliveries that carry the event, with their attempts.
  const made = await db
    .select({ d: deliveries })
    .from(deliveryEvents)
    .innerJoin(deliveries, eq(deliveries.id, deliveryEvents.deliveryId))
    .where(eq(deliveryEvents.eventId, eventId))
    .orderBy(asc(deliveries.createdAt), asc(deliveries.id));
  const attemptRows = made.length
    ? await db
        .select()
        .from(attempts)
        .where(
          inArray(
            attempts.deliveryId,
            made.map(({ d }) => d.id),
          ),
        )
        .orderBy(asc(attempts.at), asc(attempts.id))
    : [];
  const traced: TraceDelivery[] = made.map(({ d }) => ({
    id: d.id,
    status: d.status,
    channel: channelOf.get(d.channelId)!,
    rule: d.ruleId ? { id: d.ruleId, name: ruleName.get(d.ruleId) ?? d.ruleId } : null,
    collecting: d.digestKey !== null,
    floodMinutes: d.floodMinutes,
    quietHours: isQuietDigestKey(d.digestKey),
    nextAttemptAt: d.status === "queued" ? d.nextAttemptAt.toISOString() : null,
    lastError: d.lastError,
    attempts: attemptRows
      .filter((a) => a.deliveryId === d.id)
      .map((a) => ({ at: a.at.toISOString(), outcome: a.outcome, statusCode: a.statusCode, durationMs: a.durationMs, error: a.error })),
  }));
  const deliveryTo = new Map(traced.map((d) => [d.channel.id, d]));

  const matchEvent = { type: event.type, severity: event.severity, productId: event.productId };
  // The silences in force when the event arrived (an expired one keeps its window), as ingest saw them.
  const silenceRows = await db
    .select({ id: silences.id, matchers: silences.matchers, reason: silences.reason, endsAt: silences.endsAt })
    .from(silences)
    .where(and(eq(silences.orgId, orgId), lte(silences.startsAt, event.receivedAt), gt(silences.endsAt, event.receivedAt)))
    .orderBy(asc(silences.startsAt), asc(silences.id));
  const silenceOf = new Map(silenceRows.map((r) => [r.id, r]));
  const silencedFrom = (channelId: string) => {
    const id = silencing(silenceRows, { ...matchEvent, title: event.title, data: event.data, isTest: event.isTest }, channelId);
    return id ? silenceOf.get(id)! : null;
  };
  const silencedInWords = (silence: { reason: string; endsAt: Date }) => `Silenced: “${silence.reason}” (until ${utcTime(silence.endsAt)}).`;
  const ruleTraces: RuleTrace[] = ruleRows.map((row) => {
    const rule = matchable(row, links.get(row.id) ?? []);
    const missed = missedCriteria(rule, matchEvent);
    const changedSince = row.updatedAt > event.receivedAt;
    const verdict = !row.enabled ? "disabled" : missed.length ? "missed" : "took";
    const channelsOfRule = verdict === "took" ? rule.channelIds.map((id) => channelOf.get(id)).filter((c): c is TraceChannel => c !== undefined) : [];
    return {
      rule: {
        id: row.id,
        name: row.name,
        scope: row.productId ? "product" : "org",
        product: row.productId ? (slugOf.get(row.productId) ?? null) : null,
        enabled: row.enabled,
      },
      verdict,
      reasons: missed.map((c) => missedInWords(c, rule, matchEvent, slugOf)),
      changedSince,
      channels: channelsOfRule.map((channel) => {
        const delivery = deliveryTo.get(channel.id);
        if (delivery?.rule?.id === row.id) return { channel, outcome: "delivery" as const, deliveryId: delivery.id, explanation: deliveryInWords(delivery) };
        if (delivery)
          return {
            channel,
            outcome: "merged" as const,
            deliveryId: delivery.id,
            explanation: `Sent once, by the delivery made for ${delivery.rule ? `rule “${delivery.rule.name}”` : "a rule deleted since"} (rules naming the same channel send to it once).`,
          };
        const silence = silencedFrom(channel.id);
        if (silence) return { channel, outcome: "silenced" as const, deliveryId: null, explanation: silencedInWords(silence) };
        if (!channel.enabled)
          return { channel, outcome: "channel-disabled" as const, deliveryId: null, explanation: "The channel is disabled: nothing is sent to it." };
        const channelChanged = (channelRows.find((c) => c.id === channel.id)?.updatedAt ?? event.receivedAt) > event.receivedAt;
        const explanation = event.isTest
          ? "A test alert goes only to the channels picked for it, not through rules."
          : changedSince || channelChanged
            ? `No delivery: the ${changedSince ? "rule" : "channel"} changed after the event arrived (${utcTime(event.receivedAt)}), and then it did not send here.`
            : "No delivery: when the event arrived the channel was disabled or not yet named by the rule.";
        return { channel, outcome: "none" as const, deliveryId: null, explanation };
      }),
    };
  });
  const order = { took: 0, disabled: 1, missed: 2 } as const;
  ruleTraces.sort((a, b) => order[a.verdict] - order[b.verdict]);

  // The other side: each channel the event could have reached, and why it did or did not.
  const candidates = channelRows.filter((c) => c.productId === null || c.productId === event.productId);
  const channelTraces = candidates.map((row) => {
    const channel = channelOf.get(row.id)!;
    const delivery = deliveryTo.get(row.id);
    if (delivery) {
      return {
        channel,
        received: true,
        deliveryId: delivery.id,
        why: `${delivery.rule ? `By rule “${delivery.rule.name}”` : event.isTest ? "As a test alert" : "By a rule deleted since"}. ${deliveryInWords(delivery)}`,
      };
    }
    const naming = ruleTraces.filter((t) => (links.get(t.rule.id) ?? []).includes(row.id));
    let why: string;
    const silence = naming.some((t) => t.verdict === "took") ? silencedFrom(row.id) : null;
    if (event.isTest) why = "Not picked for this test alert.";
    else if (silence) why = silencedInWords(silence);
    else if (!naming.length) why = "No rule sends to this channel.";
    else if (!channel.enabled && naming.some((t) => t.verdict === "took")) why = "The channel is disabled.";
    else
      why = naming
        .map((t) =>
          t.verdict === "disabled"
            ? `Rule “${t.rule.name}” is disabled`
            : t.verdict === "missed"
              ? `Rule “${t.rule.name}”: ${t.reasons.join("; ")}`
              : `Rule “${t.rule.name}” takes it now, but made no delivery (it changed after the event arrived)`,
        )
        .join(". ");
    return { channel, received: false, deliveryId: null, why: why.endsWith(".") ? why : `${why}.` };
  });

  return {
    event: {
      id: event.id,
      type: event.type,
      severity: event.severity,
      product: event.productId ? (slugOf.get(event.productId) ?? null) : null,
      receivedAt: event.receivedAt.toISOString(),
      isTest: event.isTest,
      silencedBy: event.silencedBy ? { id: event.silencedBy, reason: silenceOf.get(event.silencedBy)?.reason ?? "" } : null,
    },
    rules: ruleTraces,
    channels: channelTraces,
    deliveries: traced,
  };
}
