/**
 * A receiver's answer headers as the delivery log keeps them (issue #20): one
 * bounded JSON object per attempt, so the log can show them as GitHub's
 * "Recent deliveries" does without a long history growing by kilobytes per
 * delivery (docs/performance.md, Growth).
 *
 * They travel as name/value pairs from the POST (lib/net/post.ts) through the
 * redaction of the channel's secrets (lib/channels/redact.ts) — a receiver may
 * echo a credential into a header — and are bounded only after that, so a
 * value cut at the limit never leaves the start of a secret behind.
 */

export type HeaderPairs = [name: string, value: string][];

/** The stored JSON's ceiling, in bytes. */
export const RESPONSE_HEADERS_BYTES = 1024;
/** A longer value is cut to this many characters (a CSP or a cookie should not crowd out the rest). */
const VALUE_CHARS = 200;
/** What a POST passes on at most, before redaction: undici's own limit on a head is 16 KiB. */
const RAW_PAIRS = 64;
/** Hop-by-hop: they describe the connection, not the receiver's answer (RFC 9110 §7.6.1). */
const CONNECTION_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection"]);

/** The answer's headers as pairs, in the receiver's order (repeated ones joined with ", "), connection headers left out. */
export function headerPairs(headers: Record<string, string | string[] | undefined>): HeaderPairs {
  const out: HeaderPairs = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || CONNECTION_HEADERS.has(name)) continue;
    out.push([name, Array.isArray(value) ? value.join(", ") : value]);
    if (out.length >= RAW_PAIRS) break;
  }
  return out;
}

/**
 * The pairs as the JSON object that is stored: each value cut to 200
 * characters, and headers taken in order while the whole stays within 1 KB
 * (those that do not fit are counted under `"…"`). Null when there are none.
 */
export function boundedHeadersJson(pairs: HeaderPairs | undefined): string | null {
  if (!pairs || pairs.length === 0) return null;
  const kept: Record<string, string> = {};
  let bytes = 2; // {}
  let left = 0;
  for (const [name, raw] of pairs) {
    const value = raw.length > VALUE_CHARS ? `${raw.slice(0, VALUE_CHARS)}…` : raw;
    // Room for the entry and for a `"…":"n more"` note after it.
    const entry = Buffer.byteLength(JSON.stringify(name) + JSON.stringify(value)) + 2;
    if (left > 0 || bytes + entry + 24 > RESPONSE_HEADERS_BYTES) {
      left++;
      continue;
    }
    kept[name] = value;
    bytes += entry;
  }
  if (left > 0) kept["…"] = `${left} more not kept`;
  return JSON.stringify(kept);
}

/** A stored column back to an object (undefined when nothing was stored or it does not parse). */
export function parseStoredHeaders(text: string | null): Record<string, string> | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}
