import { STATUS_CODES } from "node:http";
import { AddressRefusedError } from "@/lib/net/address-guard";
import { ATTEMPT_TIMEOUT_MS, isRetried, parseRetryAfter, retryDecision } from "@/lib/dispatch/policy";
import { outboundPoster } from "@/lib/net/outbound";
import type { RateLimitInfo, SendContext, SendResult } from "./types";
import { version } from "@/package.json";

/**
 * The one way channel modules POST to a receiver: through the guarded
 * dispatcher, 15 s per attempt (ATTEMPT_TIMEOUT_MS), redirects never followed, the answer reduced
 * to a status, a bounded excerpt and an error in words. (The excerpt is the
 * receiver's as it came: the channel's secrets are taken out of it where every
 * send ends, lib/channels/registry.ts.)
 */

/** Names the product and its version; no project URL (Herald is self-hosted, there is no canonical home page to point at). */
export const USER_AGENT = `Herald/${version} (self-hosted notification control plane)`;

/**
 * One POST of a delivery. `sign` makes the headers that must carry the moment
 * of sending (a Standard Webhooks timestamp): called as the message is handed
 * to the network, so the 40th POST of a split digest is not signed with the
 * first one's time (receivers refuse timestamps older than 5 minutes).
 */
export type HttpMessage = { body: string; headers?: Record<string, string>; sign?: (at: Date) => Record<string, string> };

/** A message's headers as they are sent at `at`. */
export function messageHeaders(message: HttpMessage, at: Date = new Date()): Record<string, string> {
  return message.sign ? { ...message.headers, ...message.sign(at) } : { ...message.headers };
}

/** Discord-style `X-RateLimit-Remaining` / `X-RateLimit-Reset-After` (seconds), for the dispatcher's pacing. */
function rateLimitOf(headers: Record<string, string | string[] | undefined>): RateLimitInfo | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const remaining = Number(first(headers["x-ratelimit-remaining"]));
  const resetAfter = Number(first(headers["x-ratelimit-reset-after"]));
  if (!Number.isFinite(remaining) || !Number.isFinite(resetAfter) || first(headers["x-ratelimit-remaining"]) === undefined) return undefined;
  return { remaining, resetAfterMs: Math.ceil(resetAfter * 1000) };
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** Whether a send that got no answer is tried again (lib/dispatch/policy.ts). */
const networkRetried = (kind: "timeout" | "error" | "refused") => isRetried(retryDecision({ network: kind }));

/** A network failure in words, without the URL (Slack/Discord/Teams URLs are secrets). */
function describeNetworkError(e: unknown, host: string, timeoutMs: number): { error: string; retryable: boolean } {
  if (e instanceof AddressRefusedError || (e as { code?: string })?.code === "HERALD_ADDRESS_REFUSED") {
    return { error: `refused by the address guard: ${(e as Error).message}`, retryable: networkRetried("refused") };
  }
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code;
  if (
    err.name === "TimeoutError" ||
    code === "UND_ERR_HEADERS_TIMEOUT" ||
    code === "UND_ERR_BODY_TIMEOUT" ||
    code === "UND_ERR_CONNECT_TIMEOUT" ||
    code === "ETIMEDOUT"
  ) {
    return { error: `timed out: no complete answer from ${host} within ${seconds(timeoutMs)}`, retryable: networkRetried("timeout") };
  }
  switch (code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
    case "EAI_NONAME":
      return { error: `DNS lookup of ${host} failed (${code})`, retryable: networkRetried("error") };
    case "ECONNREFUSED":
      return { error: `connection refused by ${host}`, retryable: networkRetried("error") };
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return { error: `connection to ${host} was closed before an answer (${code})`, retryable: networkRetried("error") };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { error: `${host} is unreachable (${code})`, retryable: networkRetried("error") };
  }
  if (code?.startsWith("ERR_TLS") || code?.includes("CERT") || /certificate|TLS|SSL/i.test(err.message ?? "")) {
    return { error: `TLS error talking to ${host}: ${err.message ?? code}`, retryable: networkRetried("error") };
  }
  return { error: `request to ${host} failed: ${err.message ?? String(e)}${code ? ` (${code})` : ""}`, retryable: networkRetried("error") };
}

function locationHost(location: string | string[] | undefined, base: URL): string {
  const value = Array.isArray(location) ? location[0] : location;
  if (!value) return "nowhere";
  try {
    return new URL(value, base).host;
  } catch {
    return "an invalid location";
  }
}

const MAX_PARSED_URLS = 1_000;
const parsedUrls = new Map<string, URL>();

/** A channel's URL parsed once, not per attempt (read only, never changed). */
function parsedUrl(url: string): URL {
  let target = parsedUrls.get(url);
  if (!target) {
    target = new URL(url);
    if (parsedUrls.size >= MAX_PARSED_URLS) parsedUrls.clear();
    parsedUrls.set(url, target);
  }
  return target;
}

/** POSTs one JSON body and reports the outcome; never throws for the receiver's failures. */
export async function postJson(url: string, message: HttpMessage, ctx: Pick<SendContext, "poster" | "timeoutMs" | "onRateLimit"> = {}): Promise<SendResult> {
  const timeoutMs = ctx.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const target = parsedUrl(url);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const headers = { "user-agent": USER_AGENT, ...messageHeaders(message), "content-type": "application/json" };
    const request = { origin: target.origin, path: target.pathname + target.search, body: message.body, headers, timeoutMs };
    const response = await (ctx.poster ?? outboundPoster)(request);
    // The channel's secrets are taken out of the excerpt by the caller (lib/channels/registry.ts), once per send.
    const { status, excerpt } = response;
    const result: SendResult = { ok: status >= 200 && status < 300, durationMs: elapsed(), statusCode: status, retryable: false };
    if (excerpt) result.response = excerpt;
    if (response.headerPairs.length) result.responseHeaders = response.headerPairs;
    const rateLimit = rateLimitOf(response.headers);
    if (rateLimit) {
      result.rateLimit = rateLimit;
      ctx.onRateLimit?.(rateLimit);
    }
    if (result.ok) return result;
    const reason = `${status} ${STATUS_CODES[status] ?? ""}`.trim();
    if (status >= 300 && status < 400) {
      result.error = `the receiver answered ${reason} (to ${locationHost(response.headers.location, target)}); redirects are not followed`;
      return result;
    }
    result.error = `the receiver answered ${reason}`;
    const retryAfter = parseRetryAfter(response.headers["retry-after"]);
    if (retryAfter !== undefined) result.retryAfterMs = retryAfter;
    const decision = retryDecision({ http: status, retryAfter: retryAfter !== undefined });
    result.retryable = isRetried(decision);
    result.gone = decision === "gone";
    const receiverDate = Date.parse(String(response.headers.date ?? ""));
    if (Number.isFinite(receiverDate)) result.receiverClockMs = receiverDate - Date.now();
    return result;
  } catch (e) {
    return { ok: false, durationMs: elapsed(), ...describeNetworkError(e, target.host, timeoutMs) };
  }
}

/**
 * Posts several messages of one delivery in order (Slack: one per event),
 * stopping at the first failure; the result covers all of them and, on a
 * failure after some were accepted, says how many (`messagesSent`). A retry passes that
 * back as `ctx.skipMessages` and sends only the rest: receivers see no message twice.
 */
export async function postAll(url: string, messages: HttpMessage[], ctx: SendContext): Promise<SendResult> {
  const skip = Math.min(Math.max(0, ctx.skipMessages ?? 0), messages.length);
  let total = 0;
  let last: SendResult = { ok: true, durationMs: 0, retryable: false };
  for (let i = skip; i < messages.length; i++) {
    if (i > skip && ctx.pace) await ctx.pace();
    last = await postJson(url, messages[i], ctx);
    total += last.durationMs;
    // Which POST answered: the delivery log shows that one's request (issue #20).
    if (messages.length > 1) last.part = i + 1;
    if (!last.ok) {
      const prefix = messages.length > 1 ? `message ${i + 1} of ${messages.length}: ` : "";
      return { ...last, durationMs: total, error: prefix + last.error, ...(i > 0 ? { messagesSent: i } : {}) };
    }
  }
  return { ...last, durationMs: total };
}
