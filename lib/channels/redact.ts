import { env } from "@/lib/env";
import { RESPONSE_EXCERPT_BYTES } from "@/lib/net/post";
import type { SendableChannel, SendResult } from "./types";
import { authHeaders } from "./webhook/module";

/**
 * What a receiver must not get to echo into what Herald stores and shows to
 * every member (attempt excerpts and errors, a channel's last error, test
 * results, the delivery log, log lines): the channel's secrets, in every
 * spelling an echo produces. A receiver that repeats the request (many answer
 * a 401 with the headers they got, or a 404 with the URL) would otherwise hand
 * a Basic password, a Slack/Discord URL token or a Teams `sig` to members who
 * only ever see those masked.
 *
 * The spellings are worked out once per channel (a loaded channel is the same
 * object until it is edited), and nothing is done for an answer too short to
 * hold one — the delivery path's common case.
 */

export const REDACTED = "[redacted]";

/**
 * Shorter secrets are not redacted: they would match ordinary words, and one
 * that short is guessed rather than leaked. (Its longer forms — a Basic
 * `user:pass` and its base64 — still are.)
 */
const MIN_SECRET_LENGTH = 6;
/** A URL's whole path and query below this is a plain route (`/hook`), not a credential. */
const MIN_PATH_LENGTH = 8;
/** A path segment this long is taken as a token even without a digit (Slack's are 24 letters and digits). */
const LONG_SEGMENT = 20;
/** The shortest start of a secret that is redacted where an excerpt's limit cut it off. */
const MIN_CUT_PREFIX = 4;

/** The strings to take out of a channel's excerpts and errors, longest first, and the length of the shortest. */
export type SecretNeedles = { readonly list: readonly string[]; readonly shortest: number };

const NONE: SecretNeedles = { list: [], shortest: Infinity };

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const htmlEscape = (text: string) => text.replace(/[&<>"']/g, (c) => HTML[c]);
const unicodeEscape = (json: string) => json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * The ways an echo spells one secret: as is; percent-encoded (URI and form
 * style); as a JSON string (JavaScript's, with `\/` like PHP's, with `\uXXXX`
 * like Python's and PHP's defaults); HTML-escaped — each also of its UTF-8
 * bytes read as Latin-1 (what a receiver that gets the charset wrong shows).
 */
function spellingsOf(secret: string): string[] {
  const misread = Buffer.from(secret, "utf8").toString("latin1");
  return misread === secret ? encodings(secret) : [...encodings(secret), ...encodings(misread)];
}

function encodings(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  const json = JSON.stringify(secret).slice(1, -1);
  const ascii = unicodeEscape(json);
  return [
    secret,
    uri,
    uri.replace(/%20/g, "+"),
    new URLSearchParams({ s: secret }).toString().slice(2),
    json,
    json.replace(/\//g, "\\/"),
    ascii,
    ascii.replace(/\//g, "\\/"),
    htmlEscape(secret),
    htmlEscape(json),
  ];
}

/**
 * A path segment that carries a credential rather than names a route
 * (`services`, `webhooks`, `triggers`, `invoke`): it has a digit, mixes
 * upper and lower case, or is long.
 */
const isTokenLike = (segment: string) =>
  segment.length >= MIN_SECRET_LENGTH && (/\d/.test(segment) || (/[a-z]/.test(segment) && /[A-Z]/.test(segment)) || segment.length >= LONG_SEGMENT);

/**
 * The secret parts of a URL: its path and query as a whole, each path segment
 * that looks like a token (Slack's `/services/T…/B…/token`, Discord's
 * `/api/webhooks/id/token`), every query value (Teams' `sig`), a user name and
 * password — each raw and decoded. The host is not a secret.
 */
export function urlSecrets(text: string): string[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [text];
  }
  const out: string[] = [];
  const pathAndQuery = url.pathname + url.search;
  if (pathAndQuery.length >= MIN_PATH_LENGTH) out.push(pathAndQuery, safeDecode(pathAndQuery));
  for (const segment of url.pathname.split("/")) if (isTokenLike(segment)) out.push(segment, safeDecode(segment));
  for (const pair of url.search.slice(1).split("&")) {
    const raw = pair.slice(pair.indexOf("=") + 1);
    if (pair.includes("=") && raw) out.push(raw, safeDecode(raw), safeDecode(raw.replace(/\+/g, " ")));
  }
  if (url.username) out.push(url.username, safeDecode(url.username));
  if (url.password) out.push(url.password, safeDecode(url.password));
  return out;
}

/** The webhook's auth headers as they are sent (none when its custom headers do not parse: then nothing was sent). */
function sentAuthHeaders(channel: SendableChannel): Record<string, string> {
  try {
    return authHeaders(channel.settings, channel.secrets);
  } catch {
    return {};
  }
}

/** What the channel holds and sends that is secret, before spelling it out. */
function channelSecrets(channel: SendableChannel): string[] {
  const out: string[] = [];
  for (const [field, value] of Object.entries(channel.secrets)) {
    if (!value) continue;
    out.push(value);
    if (field === "url") out.push(...urlSecrets(value));
  }
  if (channel.type === "webhook") {
    if (typeof channel.settings.url === "string") out.push(...urlSecrets(channel.settings.url));
    // The auth headers exactly as sent, and what they carry: a Bearer token alone, a Basic `user:pass` and its password.
    for (const value of Object.values(sentAuthHeaders(channel))) {
      if (!value) continue;
      out.push(value);
      const [, scheme, credential] = /^(Bearer|Basic)\s+(.+)$/i.exec(value) ?? [];
      if (credential) out.push(credential);
      if (scheme?.toLowerCase() === "basic") {
        const pair = Buffer.from(credential, "base64").toString("utf8");
        out.push(pair, pair.slice(pair.indexOf(":") + 1));
      }
    }
  }
  return out;
}

let smtpMemo: { url: string; needles: SecretNeedles } | undefined;

/**
 * SMTP_URL's password, and the AUTH PLAIN / LOGIN arguments that carry it
 * (base64), which an SMTP server may repeat in its refusal. E-mail channels
 * hold no secret of their own; these are the operator's, kept per SMTP_URL.
 */
function smtpNeedles(smtpUrl: string | undefined): SecretNeedles {
  if (!smtpUrl) return NONE;
  if (smtpMemo?.url === smtpUrl) return smtpMemo.needles;
  let secrets: string[] = [];
  try {
    const url = new URL(smtpUrl);
    const user = safeDecode(url.username);
    const password = safeDecode(url.password);
    if (password) {
      const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
      secrets = [url.password, password, `${user}:${password}`, base64(password), base64(`\0${user}\0${password}`), base64(`${user}\0${user}\0${password}`)];
    }
  } catch {
    // Not a URL: env.ts refuses that at start.
  }
  smtpMemo = { url: smtpUrl, needles: needlesOf(secrets) };
  return smtpMemo.needles;
}

/** Every spelling of every secret, long enough to redact, longest first (so a secret inside a longer one goes with it). */
export function needlesOf(secrets: string[]): SecretNeedles {
  const list = [...new Set(secrets.flatMap(spellingsOf))].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  return list.length ? { list, shortest: list[list.length - 1].length } : NONE;
}

const needlesByChannel = new WeakMap<SendableChannel, SecretNeedles>();

/** The channel's needles, worked out on first use for this loaded channel (an edit loads a new object). */
export function secretNeedlesOf(channel: SendableChannel): SecretNeedles {
  if (channel.type === "email") return smtpNeedles(env().SMTP_URL);
  let needles = needlesByChannel.get(channel);
  if (!needles) needlesByChannel.set(channel, (needles = needlesOf(channelSecrets(channel))));
  return needles;
}

/**
 * `text` with every needle replaced by `[redacted]`; with `cut`, also the
 * start of a secret that the excerpt's length limit left at its end.
 */
export function redactSecrets(text: string, needles: SecretNeedles, cut = false): string {
  if (text.length < Math.min(needles.shortest, cut ? MIN_CUT_PREFIX : Infinity)) return text;
  let out = text;
  for (const needle of needles.list) if (out.includes(needle)) out = out.replaceAll(needle, REDACTED);
  return cut ? redactCutPrefix(out, needles) : out;
}

/** Replaces the longest end of `text` that is the start of a needle (at least 4 characters), if any. */
function redactCutPrefix(text: string, needles: SecretNeedles): string {
  let from = text.length;
  for (const needle of needles.list) {
    // Only where the needle's first character is: a cut excerpt is 2 KB, a needle up to 4 KB.
    let i = text.indexOf(needle[0], Math.max(0, text.length - needle.length + 1));
    while (i !== -1 && i <= text.length - MIN_CUT_PREFIX && i < from) {
      if (needle.startsWith(text.slice(i))) from = i;
      else i = text.indexOf(needle[0], i + 1);
    }
  }
  return from === text.length ? text : text.slice(0, from) + REDACTED;
}

/** An excerpt this long may have been cut at the limit (a character cut in two is dropped, up to 3 bytes). */
const mayBeCut = (excerpt: string) => excerpt.length * 3 >= RESPONSE_EXCERPT_BYTES - 3 && Buffer.byteLength(excerpt) >= RESPONSE_EXCERPT_BYTES - 3;

/**
 * The result of a send as it may be stored and shown: the channel's secrets
 * out of its excerpt, its error and the answer's headers (names too: a
 * receiver may echo anything into a header). Changes `result` in place and
 * returns it. Headers are whole here — they are cut to size after this
 * (lib/channels/response-headers.ts), so no cut leaves part of a secret.
 */
export function redactSendResult(result: SendResult, channel: SendableChannel): SendResult {
  const { response, error, responseHeaders } = result;
  if ((!response || response.length < MIN_SECRET_LENGTH) && (!error || error.length < MIN_SECRET_LENGTH) && !responseHeaders) return result;
  const needles = secretNeedlesOf(channel);
  if (needles.list.length === 0) return result;
  if (response) result.response = redactSecrets(response, needles, mayBeCut(response));
  if (error) result.error = redactSecrets(error, needles);
  if (responseHeaders) result.responseHeaders = responseHeaders.map(([name, value]) => [redactSecrets(name, needles), redactSecrets(value, needles)]);
  return result;
}
