import { definitionOf } from "@/lib/channels/definitions";
import { and, asc, eq, gte, inArray, isNull, sum } from "drizzle-orm";
import type { Db, DbOrTx, Tx } from "@/db/client";
import { channelHourlyCounts, channels, memberships, productAdmins, products, ruleChannels, rules, users, type SealedSecret } from "@/db/schema";
import { fieldErrorsOf } from "@/lib/validation/field-errors";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { channelBodyOf, channelTarget, mergeChannelPatch, publicChannelConfig, splitChannelInput } from "@/lib/channels/config";
import { channelModule } from "@/lib/channels/registry";
import { errorSentence, figuresSince } from "@/lib/dispatch/health";
import type { SendableChannel, SendContext } from "@/lib/channels/types";
import type { TargetCheckOptions } from "@/lib/channels/target-check";
import { generateSigningSecret, openSecret, sealSecret, secretHint, SecretUnreadableError } from "@/lib/crypto/secrets";
import { env } from "@/lib/env";
import { AppError, conflict, invalid, notFound, type FieldErrors } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { sampleEvent } from "@/lib/channels/sample-events";
import { checkTemplate } from "@/lib/channels/template";
import { createChannelSchema, type ChannelInput, type PatchChannelInput } from "@/lib/validation/channels";
import { type FloodLimit } from "@/lib/validation/channel-fields";

/**
 * Channels in the database. Everything that leaves this module for a browser
 * or API client is the masked public shape; only `loadSendableChannel` and
 * the audited reveal open the sealed secrets.
 */

export type ChannelRow = typeof channels.$inferSelect;
export type PublicChannel = ReturnType<typeof publicChannel>;

const SMTP_MISSING_MESSAGE = "E-mail channels need an SMTP server: the operator must set SMTP_URL (and SMTP_FROM) in Herald's environment and restart it";

/** Deliveries a channel finished since `since` (ISO): whole hours, the last 24 to 25. */
type RecentCounts = { since: string; delivered: number; failed: number };

function publicChannel(row: ChannelRow, recent: RecentCounts) {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    enabled: row.enabled,
    productId: row.productId,
    ...publicChannelConfig(row.type, row.settings, row.secretHints),
    target: channelTarget(row.type, row.settings, row.secretHints),
    health: row.health,
    consecutiveFailures: row.consecutiveFailures,
    lastError: row.lastError,
    /** The same error as a sentence, as the console shows it. */
    lastErrorSentence: errorSentence(row.lastError),
    lastErrorAt: row.lastErrorAt?.toISOString() ?? null,
    lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
    /** Flood control (lib/events/flood.ts); null: off. */
    flood: row.floodLimit === null ? null : { limit: row.floodLimit, minutes: row.floodMinutes },
    /** Quiet hours (lib/events/quiet-hours.ts); null: off. */
    quietHours: row.quietHours ?? null,
    lastAttempt:
      row.lastAttemptAt && row.lastAttemptOutcome
        ? {
            at: row.lastAttemptAt.toISOString(),
            outcome: row.lastAttemptOutcome,
            durationMs: row.lastAttemptDurationMs ?? 0,
            statusCode: row.lastAttemptStatusCode,
          }
        : null,
    last24h: recent,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Delivered and failed counts of the last 24 h for these channels, in one query:
 * a range of the primary key (channel_id, hour) of channel_hourly_counts per
 * channel, at most 25 rows each, however long the history or busy the channel.
 */
async function recentCounts(db: DbOrTx, channelIds: string[], now = Date.now()): Promise<Map<string, RecentCounts>> {
  const since = figuresSince(now);
  const out = new Map(channelIds.map((id) => [id, { since: new Date(since).toISOString(), delivered: 0, failed: 0 }]));
  if (channelIds.length === 0) return out;
  const rows = await db
    .select({ channelId: channelHourlyCounts.channelId, delivered: sum(channelHourlyCounts.delivered), failed: sum(channelHourlyCounts.failed) })
    .from(channelHourlyCounts)
    .where(and(inArray(channelHourlyCounts.channelId, channelIds), gte(channelHourlyCounts.hour, new Date(since))))
    .groupBy(channelHourlyCounts.channelId);
  // sum() reads back as a string on PostgreSQL (bigint), a number on SQLite.
  for (const r of rows) Object.assign(out.get(r.channelId)!, { delivered: Number(r.delivered ?? 0), failed: Number(r.failed ?? 0) });
  return out;
}

async function publicChannels(db: DbOrTx, rows: ChannelRow[]): Promise<PublicChannel[]> {
  const recent = await recentCounts(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => publicChannel(row, recent.get(row.id)!));
}

/** The org's channels (org-owned by default; a product's own channels with `productId`). */
export async function listChannels(db: DbOrTx, orgId: string, options: { productId?: string } = {}): Promise<PublicChannel[]> {
  const scope = options.productId ? eq(channels.productId, options.productId) : isNull(channels.productId);
  return publicChannels(
    db,
    await db
      .select()
      .from(channels)
      .where(and(eq(channels.orgId, orgId), scope))
      .orderBy(asc(channels.name), asc(channels.id)),
  );
}

export async function channelRow(db: DbOrTx, orgId: string, id: string): Promise<ChannelRow> {
  const [row] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.orgId, orgId), eq(channels.id, id)))
    .limit(1);
  if (!row) throw notFound("Channel");
  return row;
}

export async function getChannel(db: DbOrTx, orgId: string, id: string): Promise<PublicChannel> {
  const [channel] = await publicChannels(db, [await channelRow(db, orgId, id)]);
  return channel!;
}

type Sealed = { secrets: Record<string, SealedSecret>; hints: Record<string, string> };

function seal(
  orgId: string,
  channelId: string,
  plain: Record<string, string>,
  keep: Sealed = { secrets: {}, hints: {} },
  previous: Record<string, string> = {},
): Sealed {
  const out: Sealed = { secrets: {}, hints: {} };
  for (const [field, value] of Object.entries(plain)) {
    // An unchanged secret keeps its ciphertext (and the key id it was sealed with).
    if (previous[field] === value && keep.secrets[field]) {
      out.secrets[field] = keep.secrets[field];
      out.hints[field] = keep.hints[field] ?? secretHint(field, value);
      continue;
    }
    out.secrets[field] = sealSecret(value, { orgId, channelId, field });
    out.hints[field] = secretHint(field, value);
  }
  return out;
}

/** Decrypted secrets of a row; one that no longer opens (key changed) is left out. */
function openAll(row: ChannelRow, options: { strict?: boolean } = {}): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const [field, sealed] of Object.entries(row.secrets)) {
    try {
      plain[field] = openSecret(sealed, { orgId: row.orgId, channelId: row.id, field });
    } catch (e) {
      if (options.strict || !(e instanceof SecretUnreadableError)) throw e;
    }
  }
  return plain;
}

/**
 * An inbox limited to named members may only name members of the org. Only
 * addresses new to the channel are checked, so a member who left does not
 * block editing the channel (they simply no longer receive anything).
 */
async function checkInboxMembers(db: DbOrTx, orgId: string, input: ChannelInput, before: string[] = []) {
  if (input.type !== "inbox") return;
  const added = input.members.filter((email) => !before.includes(email));
  if (added.length === 0) return;
  const known = new Set(
    (
      await db
        .select({ email: users.email })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.orgId, orgId), inArray(users.email, added)))
    ).map((r) => r.email.toLowerCase()),
  );
  const problems: FieldErrors = {};
  input.members.forEach((email, i) => {
    if (added.includes(email) && !known.has(email)) problems[`members.${i}`] = [`${email} is not a member of this organization`];
  });
  if (Object.keys(problems).length) throw invalid(problems, "An inbox can only be limited to members of the organization");
}

/** A message template is rendered against sample events before it is kept: a mistake is refused with its line. */
function checkChannelTemplate(input: ChannelInput) {
  if (!("template" in input) || !input.template) return;
  const ctx = { org: { slug: "acme", name: "Acme" }, product: { slug: "web-shop", name: "Web shop" }, publicUrl: env().publicUrl };
  const samples = [sampleEvent(ctx, "deployment.failed"), sampleEvent(ctx, "deployment.succeeded")];
  const problems = checkTemplate(input.type, input.template, samples);
  if (Object.keys(problems).length) throw invalid(problems, "The message template does not render");
}

async function checkTarget(input: ChannelInput, split: ReturnType<typeof splitChannelInput>, options: TargetCheckOptions) {
  const problems = await channelModule(input.type).validate({ type: input.type, ...split }, options);
  if (Object.keys(problems).length) throw invalid(problems, "The channel's address is refused");
}

/** `inTransaction` runs inside the channel's own transaction (a product notification writes its rule there). */
export type ChannelWriteOptions = TargetCheckOptions & {
  productId?: string | null;
  inTransaction?: (tx: Tx, channel: PublicChannel) => void | Promise<void>;
  /** Runs once the body passed every check, before anything is written (the API's test of a new receiver); throwing refuses the channel. */
  beforeWrite?: (input: ChannelInput) => Promise<void>;
};

/** Creates a channel from a validated body; a webhook gets a signing secret unless one is given. */
export async function createChannel(db: Db, orgId: string, actor: Actor, input: ChannelInput, options: ChannelWriteOptions = {}): Promise<PublicChannel> {
  if (input.type === "email" && !env().SMTP_URL) throw invalid({ type: [SMTP_MISSING_MESSAGE] }, SMTP_MISSING_MESSAGE);
  const body = input.type === "webhook" && !input.signingSecret ? { ...input, signingSecret: generateSigningSecret() } : input;
  checkChannelTemplate(body);
  const split = splitChannelInput(body);
  await checkInboxMembers(db, orgId, body);
  await checkTarget(body, split, options);
  await options.beforeWrite?.(body);
  const id = newId("ch");
  const sealed = seal(orgId, id, split.secrets);
  const now = new Date();
  return db.transaction(async (tx) => {
    await tx.insert(channels).values({
      id,
      orgId,
      productId: options.productId ?? null,
      type: body.type,
      name: body.name,
      enabled: body.enabled,
      settings: split.settings,
      secrets: sealed.secrets,
      secretHints: sealed.hints,
      ...floodColumns(body.flood === undefined ? definitionOf(body.type).defaultFlood : body.flood),
      quietHours: body.quietHours ?? null,
      createdAt: now,
      updatedAt: now,
    });
    await recordAudit(tx, {
      orgId,
      actor,
      action: "channel.created",
      target: { type: "channel", id, label: body.name },
      details: { type: body.type, ...(options.productId ? { productId: options.productId } : {}) },
    });
    const channel = await getChannel(tx, orgId, id);
    await options.inTransaction?.(tx, channel);
    return channel;
  });
}

/**
 * Applies a patch: secrets left out are kept, `null` clears, a new auth
 * method drops the old method's credentials. The merged channel is checked
 * with the same schema as a new one, so nothing half-valid is saved.
 */
export async function updateChannel(
  db: Db,
  orgId: string,
  actor: Actor,
  id: string,
  patch: PatchChannelInput,
  options: Omit<ChannelWriteOptions, "productId"> = {},
): Promise<PublicChannel> {
  const row = await channelRow(db, orgId, id);
  if (patch.type && patch.type !== row.type) throw invalid({ type: ["cannot be changed; create a new channel instead"] });
  const previous = openAll(row);
  const current = channelBodyOf({ ...row, secrets: previous });
  const parsed = createChannelSchema.safeParse(mergeChannelPatch(current, patch));
  if (!parsed.success) throw invalid(fieldErrorsOf(parsed.error));
  let next = parsed.data;
  if (next.type === "webhook" && !next.signingSecret) next = { ...next, signingSecret: generateSigningSecret() };
  checkChannelTemplate(next);
  const split = splitChannelInput(next);
  await checkInboxMembers(db, orgId, next, (row.settings.members as string[] | undefined) ?? []);
  const urlChanged = (split.secrets.url ?? split.settings.url) !== (previous.url ?? row.settings.url);
  if (urlChanged) await checkTarget(next, split, options);
  const sealed = seal(orgId, id, split.secrets, { secrets: row.secrets, hints: row.secretHints }, previous);
  const changed = changedFields(current, channelBodyOf({ ...row, name: next.name, enabled: next.enabled, ...split }));
  const flood = patch.flood === undefined ? undefined : floodColumns(patch.flood);
  if (flood && (flood.floodLimit !== row.floodLimit || (flood.floodLimit !== null && flood.floodMinutes !== row.floodMinutes))) changed.push("flood");
  if (patch.quietHours !== undefined && JSON.stringify(patch.quietHours) !== JSON.stringify(row.quietHours ?? null)) changed.push("quietHours");
  return db.transaction(async (tx) => {
    const reenabled = next.enabled && !row.enabled;
    await tx
      .update(channels)
      .set({
        name: next.name,
        enabled: next.enabled,
        settings: split.settings,
        secrets: sealed.secrets,
        secretHints: sealed.hints,
        ...flood,
        ...(patch.quietHours === undefined ? {} : { quietHours: patch.quietHours }),
        updatedAt: new Date(),
        // Re-enabling a channel the dispatcher disabled is the one-click way back (DESIGN §5).
        ...(reenabled && row.health === "disabled" ? { health: "healthy" as const, consecutiveFailures: 0, failingSince: null } : {}),
      })
      .where(eq(channels.id, id));
    await recordAudit(tx, {
      orgId,
      actor,
      action: "channel.updated",
      target: { type: "channel", id, label: next.name },
      details: { changed },
    });
    const channel = await getChannel(tx, orgId, id);
    await options.inTransaction?.(tx, channel);
    return channel;
  });
}

/** The channel's flood columns for a flood setting (null: off; the window keeps its last length). */
function floodColumns(flood: FloodLimit | null): { floodLimit: number | null; floodMinutes?: number } {
  return flood ? { floodLimit: flood.limit, floodMinutes: flood.minutes } : { floodLimit: null };
}

/** Names of the fields that differ (secret values are compared, never recorded). */
function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, prefix = ""): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const out: string[] = [];
  for (const key of keys) {
    const a = before[key];
    const b = after[key];
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a)) {
      out.push(...changedFields(a as Record<string, unknown>, b as Record<string, unknown>, `${prefix}${key}.`));
    } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(prefix + key);
  }
  return out;
}

/** Rules that send to a channel (named in the delete confirmation). */
export async function rulesUsingChannel(db: DbOrTx, channelId: string): Promise<{ id: string; name: string }[]> {
  return db
    .select({ id: rules.id, name: rules.name })
    .from(ruleChannels)
    .innerJoin(rules, eq(rules.id, ruleChannels.ruleId))
    .where(eq(ruleChannels.channelId, channelId))
    .orderBy(asc(rules.name), asc(rules.id));
}

/** The rules that send to this channel and to no other: deleting it would leave them sending nowhere. */
async function rulesOnlyUsing(db: DbOrTx, channelId: string): Promise<{ id: string; name: string }[]> {
  const usedBy = await rulesUsingChannel(db, channelId);
  if (!usedBy.length) return [];
  const links = await db
    .select({ ruleId: ruleChannels.ruleId })
    .from(ruleChannels)
    .where(
      inArray(
        ruleChannels.ruleId,
        usedBy.map((r) => r.id),
      ),
    );
  const count = new Map<string, number>();
  for (const { ruleId } of links) count.set(ruleId, (count.get(ruleId) ?? 0) + 1);
  return usedBy.filter((r) => count.get(r.id) === 1);
}

/**
 * Deletes a channel and takes it out of every rule, in one transaction;
 * reports those rules. Refused (409, naming them) while it is the only
 * channel of a rule: that rule would silently send nowhere.
 */
export async function deleteChannel(db: Db, orgId: string, actor: Actor, id: string): Promise<{ removedFromRules: { id: string; name: string }[] }> {
  return db.transaction(async (tx) => {
    const row = await channelRow(tx, orgId, id);
    const orphaned = await rulesOnlyUsing(tx, id);
    if (orphaned.length) {
      const names = orphaned.map((r) => `"${r.name}"`).join(", ");
      throw conflict(
        `"${row.name}" is the only channel of ${orphaned.length === 1 ? "rule" : "rules"} ${names}: give ${orphaned.length === 1 ? "it" : "them"} another channel or delete ${orphaned.length === 1 ? "it" : "them"} first, so no rule sends nowhere`,
        { rules: orphaned.map((r) => `${r.name} (${r.id}) sends only to this channel`) },
      );
    }
    const usedBy = await rulesUsingChannel(tx, id);
    await tx.delete(ruleChannels).where(eq(ruleChannels.channelId, id));
    await tx.delete(channels).where(eq(channels.id, id));
    await recordAudit(tx, {
      orgId,
      actor,
      action: "channel.removed",
      target: { type: "channel", id, label: row.name },
      details: { type: row.type, removedFromRules: usedBy.map((r) => r.id) },
    });
    return { removedFromRules: usedBy };
  });
}

/** The channel with its secrets decrypted, for the sender. Never return this to a client. */
export async function loadSendableChannel(db: DbOrTx, id: string): Promise<SendableChannel | null> {
  const [row] = await db.select().from(channels).where(eq(channels.id, id)).limit(1);
  if (!row) return null;
  return { id: row.id, orgId: row.orgId, type: row.type, name: row.name, settings: row.settings, secrets: openAll(row, { strict: true }) };
}

async function webhookRow(db: DbOrTx, orgId: string, id: string): Promise<ChannelRow> {
  const row = await channelRow(db, orgId, id);
  if (row.type !== "webhook") throw new AppError("not_found", "Only webhook channels have a signing secret");
  return row;
}

/** Shows the signing secret to an admin; the reveal is audited. */
export async function revealSigningSecret(db: Db, orgId: string, actor: Actor, id: string): Promise<string> {
  return db.transaction(async (tx) => {
    const row = await webhookRow(tx, orgId, id);
    const sealed = row.secrets.signingSecret;
    if (!sealed) throw notFound("Signing secret");
    const secret = openSecret(sealed, { orgId, channelId: id, field: "signingSecret" });
    await recordAudit(tx, {
      orgId,
      actor,
      action: "channel.secret_revealed",
      target: { type: "channel", id, label: row.name },
      details: { field: "signingSecret" },
    });
    return secret;
  });
}

/** Replaces the signing secret with a new random one and returns it (once). */
export async function rotateSigningSecret(db: Db, orgId: string, actor: Actor, id: string): Promise<string> {
  return db.transaction(async (tx) => {
    const row = await webhookRow(tx, orgId, id);
    const secret = generateSigningSecret();
    const sealed = sealSecret(secret, { orgId, channelId: id, field: "signingSecret" });
    await tx
      .update(channels)
      .set({
        secrets: { ...row.secrets, signingSecret: sealed },
        secretHints: { ...row.secretHints, signingSecret: secretHint("signingSecret", secret) },
        updatedAt: new Date(),
      })
      .where(eq(channels.id, id));
    await recordAudit(tx, {
      orgId,
      actor,
      action: "channel.secret_rotated",
      target: { type: "channel", id, label: row.name },
      details: { field: "signingSecret" },
    });
    return secret;
  });
}

/** Resolves e-mail recipient groups at send time: @owners, @admins, and @product-admins of a product. */
export function recipientGroupResolver(db: DbOrTx, orgId: string): NonNullable<SendContext["resolveGroup"]> {
  return async (group, productSlug) => {
    if (group === "@owners" || group === "@admins") {
      const role = group === "@owners" ? "owner" : "admin";
      return (
        await db
          .select({ email: users.email })
          .from(memberships)
          .innerJoin(users, eq(users.id, memberships.userId))
          .where(and(eq(memberships.orgId, orgId), eq(memberships.role, role)))
          .orderBy(asc(users.email))
      ).map((r) => r.email);
    }
    if (group === "@product-admins" && productSlug) {
      return (
        await db
          .select({ email: users.email })
          .from(productAdmins)
          .innerJoin(products, eq(products.id, productAdmins.productId))
          .innerJoin(users, eq(users.id, productAdmins.userId))
          .where(and(eq(products.orgId, orgId), eq(products.slug, productSlug)))
          .orderBy(asc(users.email))
      ).map((r) => r.email);
    }
    return [];
  };
}
