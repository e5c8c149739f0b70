import { and, asc, count, desc, eq, gt, lte, notInArray } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { catchers, caughtRequests, channels } from "@/db/schema";
import { createChannel, loadSendableChannel } from "@/lib/channels/service";
import { recordAudit } from "@/lib/audit";
import type { Actor } from "@/lib/auth/permissions";
import { needlesOf, redactSecrets, secretNeedlesOf, REDACTED } from "@/lib/channels/redact";
import { env } from "@/lib/env";
import { AppError, invalid, notFound } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { createChannelSchema } from "@/lib/validation/channels";
import { CLIENT_ADDRESS_HEADER } from "@/lib/net/client-address";
import { checkSignature, type SignatureCheck } from "./signature";
import { catcherUrl, isCatcherToken, newCatcherToken } from "./urls";
import { storableText } from "@/lib/validation/text";

/**
 * Request catchers (issue #21 item 6): a URL on Herald itself that keeps what
 * is posted to it, so a newcomer sees a real signed delivery without writing a
 * receiver. Everything a stranger with the URL can make Herald store is
 * bounded: requests per catcher, body size, catchers per org, and lifetime.
 */

export const CATCHER_LIMITS = {
  /** The newest requests a catcher keeps; older ones are deleted as new ones arrive. */
  keptRequests: 50,
  /** A larger body is refused with 413 and not stored. */
  bodyBytes: 256 * 1024,
  perOrg: 10,
  lifetimeDays: 7,
} as const;

/** Credentials a sender may put in its request: stored masked, so the console never shows them. */
const MASKED_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);
/**
 * Headers our own server adds before the route sees the request: not what the sender sent
 * (Next.js adds the X-Forwarded-* ones; a client's own are dropped at the door unless
 * HERALD_TRUST_PROXY=1, and then they are the proxy's, lib/server/request-guard.ts).
 */
const DROPPED_HEADERS = new Set([CLIENT_ADDRESS_HEADER, "x-forwarded-for", "x-forwarded-host", "x-forwarded-port", "x-forwarded-proto"]);

export type CatcherView = {
  id: string;
  name: string;
  url: string;
  channelId: string | null;
  channelName: string | null;
  expiresAt: string;
  createdAt: string;
  requestCount: number;
};

export type CaughtRequestView = {
  id: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: string;
  signature: SignatureCheck;
};

const liveOnly = (now: Date) => gt(catchers.expiresAt, now);

/** Expired catchers are deleted (with what they caught) whenever the org's list is read or grows. */
async function deleteExpired(db: DbOrTx, orgId: string, now: Date) {
  await db.delete(catchers).where(and(eq(catchers.orgId, orgId), lte(catchers.expiresAt, now)));
}

export async function listCatchers(db: DbOrTx, orgId: string, now = new Date()): Promise<CatcherView[]> {
  await deleteExpired(db, orgId, now);
  const rows = await db
    .select({
      id: catchers.id,
      name: catchers.name,
      token: catchers.token,
      channelId: catchers.channelId,
      channelName: channels.name,
      expiresAt: catchers.expiresAt,
      createdAt: catchers.createdAt,
    })
    .from(catchers)
    .leftJoin(channels, eq(channels.id, catchers.channelId))
    .where(and(eq(catchers.orgId, orgId), liveOnly(now)))
    .orderBy(asc(catchers.createdAt), asc(catchers.id));
  const counts = new Map(
    (
      await db
        .select({ catcherId: caughtRequests.catcherId, n: count() })
        .from(caughtRequests)
        .innerJoin(catchers, eq(catchers.id, caughtRequests.catcherId))
        .where(eq(catchers.orgId, orgId))
        .groupBy(caughtRequests.catcherId)
    ).map((r) => [r.catcherId, Number(r.n)]),
  );
  const publicUrl = env().publicUrl;
  return rows.map(({ token, ...r }) => ({
    ...r,
    url: catcherUrl(publicUrl, token),
    expiresAt: r.expiresAt.toISOString(),
    createdAt: r.createdAt.toISOString(),
    requestCount: counts.get(r.id) ?? 0,
  }));
}

export async function getCatcher(db: DbOrTx, orgId: string, id: string, now = new Date()): Promise<CatcherView> {
  const found = (await listCatchers(db, orgId, now)).find((c) => c.id === id);
  if (!found) throw notFound("Request catcher");
  return found;
}

/** A webhook channel of the org (the one whose secret checks a catcher's signatures). */
async function webhookChannelOf(db: DbOrTx, orgId: string, channelId: string) {
  const [row] = await db
    .select({ id: channels.id, type: channels.type })
    .from(channels)
    .where(and(eq(channels.orgId, orgId), eq(channels.id, channelId)))
    .limit(1);
  if (!row || row.type !== "webhook") throw invalid({ channelId: ["must be a webhook channel of this organization"] });
  return row;
}

export type CreateCatcherInput = { name: string; channelId?: string | null; createChannel?: boolean };

/**
 * A new catcher. With `createChannel`, also a webhook channel (format `array`,
 * signed with a new secret) whose URL is the catcher, so "Send test" on it
 * shows a signed delivery at once; otherwise `channelId` names the webhook
 * channel to check signatures with (or none).
 */
export async function createCatcher(db: Db, orgId: string, actor: Actor, input: CreateCatcherInput, now = new Date()): Promise<CatcherView> {
  await deleteExpired(db, orgId, now);
  const [{ n }] = await db.select({ n: count() }).from(catchers).where(eq(catchers.orgId, orgId));
  if (Number(n) >= CATCHER_LIMITS.perOrg) {
    throw new AppError("conflict", `An organization keeps at most ${CATCHER_LIMITS.perOrg} request catchers: delete one first`);
  }
  if (input.channelId && !input.createChannel) await webhookChannelOf(db, orgId, input.channelId);
  const id = newId("cat");
  const token = newCatcherToken();
  const expiresAt = new Date(now.getTime() + CATCHER_LIMITS.lifetimeDays * 86_400_000);
  const insert = async (tx: DbOrTx, channelId: string | null) => {
    await tx.insert(catchers).values({ id, orgId, name: input.name, token, channelId, expiresAt, createdAt: now });
    await recordAudit(tx, {
      orgId,
      actor,
      action: "catcher.created",
      target: { type: "catcher", id, label: input.name },
      details: channelId ? { channelId } : {},
    });
  };
  if (input.createChannel) {
    // The channel and the catcher are written in one transaction: neither is left without the other.
    const body = createChannelSchema.parse({ type: "webhook", name: `${input.name} (request catcher)`.slice(0, 100), url: catcherUrl(env().publicUrl, token) });
    await createChannel(db, orgId, actor, body, { inTransaction: (tx, channel) => insert(tx, channel.id) });
  } else {
    await db.transaction((tx) => insert(tx, input.channelId ?? null));
  }
  return getCatcher(db, orgId, id, now);
}

export async function setCatcherChannel(db: Db, orgId: string, id: string, channelId: string | null): Promise<void> {
  if (channelId) await webhookChannelOf(db, orgId, channelId);
  const updated = await db
    .update(catchers)
    .set({ channelId })
    .where(and(eq(catchers.orgId, orgId), eq(catchers.id, id)))
    .returning({ id: catchers.id });
  if (updated.length === 0) throw notFound("Request catcher");
}

/** Deletes a catcher and what it caught (a channel made for it stays: it is the org's to keep or delete). */
export async function deleteCatcher(db: Db, orgId: string, actor: Actor, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(catchers)
      .where(and(eq(catchers.orgId, orgId), eq(catchers.id, id)))
      .returning({ id: catchers.id, name: catchers.name });
    if (removed.length === 0) throw notFound("Request catcher");
    await recordAudit(tx, { orgId, actor, action: "catcher.deleted", target: { type: "catcher", id, label: removed[0].name } });
  });
}

export type IncomingRequest = { method: string; headers: Headers; body: string };

/** Answers 404 for a token that names no live catcher, before its body is read. */
export async function assertLiveCatcher(db: DbOrTx, token: string, now = new Date()): Promise<void> {
  if (!isCatcherToken(token)) throw notFound("Request catcher");
  const [found] = await db
    .select({ id: catchers.id })
    .from(catchers)
    .where(and(eq(catchers.token, token), liveOnly(now)))
    .limit(1);
  if (!found) throw notFound("Request catcher");
}

/** The body as text, refused (413) past `CATCHER_LIMITS.bodyBytes` without buffering the rest. */
export async function readCaughtBody(req: Request): Promise<string> {
  const limit = CATCHER_LIMITS.bodyBytes;
  const tooLarge = () => new AppError("payload_too_large", `A request catcher keeps bodies of up to ${limit / 1024} KiB`);
  if (Number(req.headers.get("content-length") ?? "0") > limit) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  // As text: bytes that are not UTF-8 become U+FFFD, and so does NUL, which PostgreSQL cannot store (a 500 before).
  return storableText(Buffer.concat(chunks).toString("utf8"));
}

/**
 * Stores one request posted to `/catch/{token}` and drops the catcher's
 * requests beyond the newest `keptRequests`. An unknown or expired token is
 * 404, the same answer, so a token cannot be probed for.
 */
export async function recordCaughtRequest(db: Db, token: string, request: IncomingRequest, now = new Date()): Promise<{ id: string }> {
  if (!isCatcherToken(token)) throw notFound("Request catcher");
  return db.transaction(async (tx) => {
    const [catcher] = await tx
      .select({ id: catchers.id })
      .from(catchers)
      .where(and(eq(catchers.token, token), liveOnly(now)))
      .limit(1);
    if (!catcher) throw notFound("Request catcher");
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (DROPPED_HEADERS.has(name)) return;
      headers[name] = MASKED_HEADERS.has(name) ? maskCredential(value) : value;
    });
    const id = newId("req");
    await tx.insert(caughtRequests).values({ id, catcherId: catcher.id, method: request.method, headers, body: request.body, receivedAt: now });
    const newest = tx
      .select({ id: caughtRequests.id })
      .from(caughtRequests)
      .where(eq(caughtRequests.catcherId, catcher.id))
      .orderBy(desc(caughtRequests.receivedAt), desc(caughtRequests.id))
      .limit(CATCHER_LIMITS.keptRequests);
    // Both engines refuse LIMIT directly inside IN (…) in some versions; a derived table is accepted by both.
    const keep = tx.select({ id: newest.as("newest").id }).from(newest.as("newest"));
    await tx.delete(caughtRequests).where(and(eq(caughtRequests.catcherId, catcher.id), notInArray(caughtRequests.id, keep)));
    return { id };
  });
}

/** `Bearer abc…` → `Bearer [redacted]`: shows which scheme came, never the credential. */
function maskCredential(value: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9-]*)\s+\S/.exec(value)?.[1];
  return scheme ? `${scheme} ${REDACTED}` : REDACTED;
}

/**
 * A catcher's requests, newest first, each with its Standard Webhooks
 * signature checked against the chosen channel's signing secret — here, on
 * the server: the secret never leaves it. The channel's other secrets (an
 * API-key header, custom headers) are taken out of what is shown.
 */
export async function listCaughtRequests(db: DbOrTx, orgId: string, catcherId: string): Promise<CaughtRequestView[]> {
  const catcher = await getCatcher(db, orgId, catcherId);
  const channel = catcher.channelId ? await loadSendableChannel(db, catcher.channelId) : null;
  const needles = channel ? secretNeedlesOf(channel) : needlesOf([]);
  const rows = await db
    .select()
    .from(caughtRequests)
    .where(eq(caughtRequests.catcherId, catcherId))
    .orderBy(desc(caughtRequests.receivedAt), desc(caughtRequests.id));
  return rows.map((r) => ({
    id: r.id,
    method: r.method,
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, redactSecrets(v, needles)])),
    body: redactSecrets(r.body, needles),
    receivedAt: r.receivedAt.toISOString(),
    signature: checkSignature(channel?.secrets.signingSecret, r.headers, r.body, r.receivedAt),
  }));
}
