import { and, asc, count, desc, eq, gt, inArray, isNotNull, lte } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { channels, events, products, silences } from "@/db/schema";
import type { Severity, SilenceMatchers } from "@/db/schema/values";
import { recordAudit } from "@/lib/audit";
import { can, type Actor, type Principal } from "@/lib/auth/permissions";
import { conflict, forbidden, invalid, notFound, type FieldErrors } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { SILENCE_STATES, SilenceBody, SnoozeBody } from "@/lib/validation/silences";

/**
 * Silences (issue #23): while one is in force, events it matches are stored —
 * marked "silenced by" it — but not sent to the channels it covers (every
 * channel, or the ones it names). Ingest applies them (lib/events/matching.ts
 * `routeEvent`); this module makes, lists and expires them. A silence is never
 * deleted: expiring moves its end to now, so the events it kept quiet still
 * say by what and why. Made and expired through the audit log, so each is
 * also a platform event (`silence.created`, `silence.expired`) rules can route.
 */

export type SilenceState = (typeof SILENCE_STATES)[number];

export type SilenceView = {
  id: string;
  state: SilenceState;
  eventTypes: string[];
  /** Product slugs. */
  products: string[];
  severities: Severity[];
  /** Channel ids. */
  channels: string[];
  title: string | null;
  data: { key: string; value: string }[];
  reason: string;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  expiredBy: string | null;
  createdAt: string;
  /** Events it kept from one or more channels. */
  silencedEvents: number;
};

type SilenceRow = typeof silences.$inferSelect;

const stateAt = (row: Pick<SilenceRow, "startsAt" | "endsAt">, now: number): SilenceState =>
  row.endsAt.getTime() <= now ? "expired" : row.startsAt.getTime() > now ? "pending" : "active";

/**
 * Who may silence (DESIGN §1): org owners and admins anything; a product's admins
 * only silences pinned to products they administer.
 */
export function maySilence(principal: Principal, productIds: string[]): boolean {
  if (can(principal, "org:configure")) return true;
  return productIds.length > 0 && productIds.every((id) => can(principal, "product:configure", id));
}

async function views(db: DbOrTx, orgId: string, rows: SilenceRow[], now: number): Promise<SilenceView[]> {
  if (!rows.length) return [];
  const slugOf = new Map(
    (await db.select({ id: products.id, slug: products.slug }).from(products).where(eq(products.orgId, orgId))).map((p) => [p.id, p.slug]),
  );
  const counts = new Map(
    (
      await db
        .select({ id: events.silencedBy, n: count() })
        .from(events)
        .where(
          and(
            isNotNull(events.silencedBy),
            inArray(
              events.silencedBy,
              rows.map((r) => r.id),
            ),
          ),
        )
        .groupBy(events.silencedBy)
    ).map((r) => [r.id, Number(r.n)]),
  );
  return rows.map((row) => ({
    id: row.id,
    state: stateAt(row, now),
    eventTypes: row.matchers.eventTypes,
    products: row.matchers.products.map((id) => slugOf.get(id) ?? id),
    severities: row.matchers.severities,
    channels: row.matchers.channels,
    title: row.matchers.title,
    data: row.matchers.data,
    reason: row.reason,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    createdBy: row.createdBy,
    expiredBy: row.expiredBy,
    createdAt: row.createdAt.toISOString(),
    silencedEvents: counts.get(row.id) ?? 0,
  }));
}

/**
 * Active and pending silences first (soonest end first), then those expired in
 * the last 30 days, newest first. `state` narrows to one of them.
 */
export async function listSilences(db: DbOrTx, orgId: string, options: { state?: SilenceState; now?: number } = {}): Promise<SilenceView[]> {
  const now = options.now ?? Date.now();
  const nowDate = new Date(now);
  const current = await db
    .select()
    .from(silences)
    .where(and(eq(silences.orgId, orgId), gt(silences.endsAt, nowDate)))
    .orderBy(asc(silences.endsAt), asc(silences.id));
  const expired =
    options.state && options.state !== "expired"
      ? []
      : await db
          .select()
          .from(silences)
          .where(and(eq(silences.orgId, orgId), lte(silences.endsAt, nowDate), gt(silences.endsAt, new Date(now - 30 * 86_400_000))))
          .orderBy(desc(silences.endsAt), desc(silences.id))
          .limit(100);
  const all = await views(db, orgId, [...current, ...expired], now);
  return options.state ? all.filter((s) => s.state === options.state) : all;
}

export async function getSilence(db: DbOrTx, orgId: string, id: string, now = Date.now()): Promise<SilenceView> {
  const [row] = await db
    .select()
    .from(silences)
    .where(and(eq(silences.orgId, orgId), eq(silences.id, id)))
    .limit(1);
  if (!row) throw notFound("Silence");
  return (await views(db, orgId, [row], now))[0];
}

/** Product slugs → ids and channel ids checked against the org: unknown ones are 422s naming the field. */
async function resolveMatchers(db: DbOrTx, orgId: string, body: SilenceBody): Promise<SilenceMatchers> {
  const fields: FieldErrors = {};
  const productRows = body.products.length
    ? await db
        .select({ id: products.id, slug: products.slug })
        .from(products)
        .where(and(eq(products.orgId, orgId), inArray(products.slug, body.products)))
    : [];
  const idOf = new Map(productRows.map((p) => [p.slug, p.id]));
  body.products.forEach((slug, i) => {
    if (!idOf.has(slug)) (fields[`products.${i}`] ??= []).push(`unknown product "${slug}"`);
  });
  const channelRows = body.channels.length
    ? await db
        .select({ id: channels.id })
        .from(channels)
        .where(and(eq(channels.orgId, orgId), inArray(channels.id, body.channels)))
    : [];
  const known = new Set(channelRows.map((c) => c.id));
  body.channels.forEach((id, i) => {
    if (!known.has(id)) (fields[`channels.${i}`] ??= []).push(`unknown channel "${id}"`);
  });
  if (Object.keys(fields).length) throw invalid(fields);
  return {
    eventTypes: [...new Set(body.eventTypes)],
    products: [...new Set(body.products.map((slug) => idOf.get(slug)!))],
    severities: [...new Set(body.severities)],
    channels: [...new Set(body.channels)],
    title: body.title,
    data: body.data,
  };
}

/** In words, for the audit log and the platform event's title: "deployment.failed of web-shop". */
function describe(view: Pick<SilenceView, "eventTypes" | "products" | "severities" | "title">): string {
  const parts = [
    view.eventTypes.join(", ") || "any event",
    view.products.length ? `of ${view.products.join(", ")}` : "",
    view.severities.length ? `(${view.severities.join(", ")})` : "",
  ];
  return [...parts, view.title ? `“${view.title.slice(0, 80)}”` : ""].filter(Boolean).join(" ");
}

export async function createSilence(db: Db, orgId: string, principal: Principal, actor: Actor, body: SilenceBody, now = Date.now()): Promise<SilenceView> {
  return db.transaction(async (tx) => {
    const matchers = await resolveMatchers(tx, orgId, body);
    if (!maySilence(principal, matchers.products)) throw forbidden("Only owners and admins may silence beyond the products they administer");
    const id = newId("sil");
    const startsAt = new Date(body.startsAt ?? now);
    const row = {
      id,
      orgId,
      matchers,
      reason: body.reason,
      startsAt,
      endsAt: new Date(body.endsAt),
      createdBy: actor.label,
      expiredBy: null,
      createdAt: new Date(now),
    };
    await tx.insert(silences).values(row);
    const view = (await views(tx, orgId, [row], now))[0];
    await recordAudit(tx, {
      orgId,
      actor,
      action: "silence.created",
      target: { type: "silence", id, label: describe(view) },
      details: { reason: body.reason, startsAt: view.startsAt, endsAt: view.endsAt },
    });
    return view;
  });
}

/** Ends a silence now (it stays, expired, for the events it kept quiet). */
export async function expireSilence(db: Db, orgId: string, principal: Principal, actor: Actor, id: string, now = Date.now()): Promise<SilenceView> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(silences)
      .where(and(eq(silences.orgId, orgId), eq(silences.id, id)))
      .limit(1);
    if (!row) throw notFound("Silence");
    if (!maySilence(principal, row.matchers.products)) throw forbidden("Only owners and admins may expire a silence beyond the products they administer");
    if (stateAt(row, now) === "expired") throw conflict("The silence has already expired");
    const ended = { ...row, endsAt: new Date(now), expiredBy: actor.label };
    await tx.update(silences).set({ endsAt: ended.endsAt, expiredBy: actor.label }).where(eq(silences.id, id));
    const view = (await views(tx, orgId, [ended], now))[0];
    await recordAudit(tx, { orgId, actor, action: "silence.expired", target: { type: "silence", id, label: describe(view) }, details: { reason: row.reason } });
    return view;
  });
}

/**
 * CIPP's snooze: one recurring alert — this event's type, product and title —
 * kept quiet everywhere for `days`.
 */
export async function snoozeEvent(
  db: Db,
  orgId: string,
  principal: Principal,
  actor: Actor,
  eventId: string,
  body: SnoozeBody,
  now = Date.now(),
): Promise<SilenceView> {
  const [event] = await db
    .select({ type: events.type, title: events.title, productId: events.productId, slug: products.slug })
    .from(events)
    .leftJoin(products, eq(products.id, events.productId))
    .where(and(eq(events.orgId, orgId), eq(events.id, eventId)))
    .limit(1);
  if (!event) throw notFound("Event");
  return createSilence(
    db,
    orgId,
    principal,
    actor,
    {
      eventTypes: [event.type],
      products: event.slug ? [event.slug] : [],
      severities: [],
      channels: [],
      title: event.title,
      data: [],
      reason: body.reason || `Snoozed for ${body.days} days`,
      startsAt: now,
      endsAt: now + body.days * 86_400_000,
    },
    now,
  );
}

/** The silence an event page names ("silenced by …"), in few words; null if it is gone with its org. */
export async function silenceSummary(db: DbOrTx, orgId: string, id: string): Promise<Pick<SilenceView, "id" | "reason" | "createdBy" | "endsAt"> | null> {
  const [row] = await db
    .select({ id: silences.id, reason: silences.reason, createdBy: silences.createdBy, endsAt: silences.endsAt })
    .from(silences)
    .where(and(eq(silences.orgId, orgId), eq(silences.id, id)))
    .limit(1);
  return row ? { ...row, endsAt: row.endsAt.toISOString() } : null;
}

/** Silences ending within `withinMs` from now: the console's "expiring soon". */
export function expiringSoon(list: SilenceView[], now = Date.now(), withinMs = 86_400_000): SilenceView[] {
  return list.filter((s) => s.state === "active" && Date.parse(s.endsAt) - now <= withinMs);
}
