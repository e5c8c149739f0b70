/**
 * One rule for text that no database stores faithfully, at every door (API
 * bodies, console actions): a string holding U+0000, or half of a surrogate
 * pair on its own, is refused with 422 naming the field — never stored
 * altered. PostgreSQL refuses NUL in text and unpaired surrogates in JSON (the
 * query fails), both engines would store an unpaired surrogate as U+FFFD, and
 * NUL in an e-mail subject or a chat message is never what a producer meant.
 */
export const UNSTORABLE_TEXT_MESSAGE = "must be valid text (no NUL characters or unpaired surrogates)";

// U+0000, or half of a surrogate pair on its own (not Unicode text: it cannot be encoded as UTF-8).
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, "g");

/**
 * Text Herald did not choose but keeps (a receiver's answer, an error it
 * caused), with each unstorable character replaced by U+FFFD: unlike input at
 * a door, it cannot be refused, and stored as it came it failed the whole
 * outcome write on PostgreSQL.
 */
export function storableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, "\ufffd") : text;
}

/** The path of the first string (or object key) in `value` that cannot be stored faithfully, or null. */
export function unstorableTextPath(value: unknown, path: string[] = []): string[] | null {
  if (typeof value === "string") return UNSTORABLE.test(value) ? path : null;
  if (!value || typeof value !== "object" || value instanceof Date) return null;
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) return [...path, key];
    const found = unstorableTextPath(item, [...path, key]);
    if (found) return found;
  }
  return null;
}
