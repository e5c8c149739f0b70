/**
 * A receiver that repeats what it was sent, and the check that none of it
 * reached what Herald stores and shows (imported by tests and the hardening
 * run only). Written apart from lib/channels/redact.ts on purpose: the
 * echoes are built and the check undoes their escapes here, so the test does
 * not grade the redaction with its own list of spellings.
 */

/** Where a cut excerpt ends (lib/net/post.ts's RESPONSE_EXCERPT_BYTES, repeated so the test does not lean on it). */
const EXCERPT_BYTES = 2048;

export type EchoedRequest = { path: string; headers: Record<string, string | string[] | undefined>; body: string };

const NOT_ECHOED = new Set(["host", "content-length", "connection", "content-type", "webhook-id", "webhook-timestamp"]);

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * What a chatty receiver repeats of a request: the URL (decoded), each header
 * value, a Basic credential decoded (`user:pass`) and its password alone, a
 * Bearer token alone, each path segment and each query value decoded.
 */
export function requestPieces(req: EchoedRequest): string[] {
  const pieces = [safeDecode(req.path)];
  for (const [name, value] of Object.entries(req.headers)) {
    if (NOT_ECHOED.has(name) || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    pieces.push(text);
    const basic = /^Basic\s+(.+)$/i.exec(text);
    if (basic) {
      const decoded = Buffer.from(basic[1], "base64").toString("utf8");
      pieces.push(decoded, decoded.slice(decoded.indexOf(":") + 1));
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(text);
    if (bearer) pieces.push(bearer[1]);
  }
  const url = new URL(req.path, "http://receiver.invalid");
  pieces.push(...url.pathname.split("/").filter(Boolean).map(safeDecode));
  for (const value of url.searchParams.values()) pieces.push(value);
  return [...new Set(pieces.filter(Boolean))];
}

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const htmlEscape = (text: string) => text.replace(/[&<>"']/g, (c) => HTML[c]);
/** JSON as PHP's json_encode writes it: `\/` for `/`, `\u00e9` for non-ASCII. */
const phpJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/\//g, "\\/")
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * Every way this receiver echoes, one answer body each: the request as JSON
 * (JavaScript's and PHP's spelling), the pieces as text, percent-encoded,
 * form-encoded, HTML-escaped, as JSON strings, and each long piece placed so
 * that the excerpt's 2 KB limit cuts it in half.
 */
export function echoBodies(pieces: string[], whole: unknown, separator = "\n"): string[] {
  const bodies = [
    JSON.stringify(whole),
    phpJson(whole),
    pieces.join(separator),
    pieces.map(encodeURIComponent).join(separator),
    new URLSearchParams(pieces.map((p, i) => [`p${i}`, p])).toString(),
    htmlEscape(pieces.join(separator)),
    pieces.map((p) => JSON.stringify(p)).join(","),
    phpJson(pieces),
  ];
  for (const piece of pieces) {
    const bytes = Buffer.byteLength(piece);
    if (bytes >= 8) bodies.push("x".repeat(EXCERPT_BYTES - Math.floor(bytes / 2)) + piece);
  }
  return bodies;
}

/** Undoes one layer of JSON string escaping (`\"`, `\\`, `\/`, `\uXXXX`, `\n`). */
const unJson = (text: string) =>
  text.replace(/\\(u[0-9a-fA-F]{4}|["\\/bfnrt])/g, (_, e: string) =>
    e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (({ b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" } as Record<string, string>)[e] ?? e),
  );
const unHtml = (text: string) => text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e]!);
const unPercent = (text: string) => text.replace(/(%[0-9a-fA-F]{2})+/g, (run) => safeDecode(run));
const unForm = (text: string) => unPercent(text.replace(/\+/g, " "));
/** UTF-8 that was read as Latin-1, read right. */
const unMisread = (text: string) => (/^[\u0000-\u00ff]*$/.test(text) ? Buffer.from(text, "latin1").toString("utf8") : text);
const DECODERS = [unJson, unHtml, unPercent, unForm, unMisread];

/** `text` as it reads after undoing up to three layers of the escapings an echo applies. */
function readings(text: string): string[] {
  const seen = new Set([text]);
  let layer = [text];
  for (let depth = 0; depth < 3; depth++) {
    const next: string[] = [];
    for (const t of layer) {
      for (const decode of DECODERS) {
        const d = decode(t);
        if (!seen.has(d)) {
          seen.add(d);
          next.push(d);
        }
      }
    }
    layer = next;
  }
  return [...seen];
}

const WINDOW = 8;

/**
 * The secrets (by name) of which any 8-character stretch occurs in `text`
 * read as is or with its escapings undone: a secret cut in half by a length
 * limit, or percent-encoded inside JSON, still counts. (The check undoes
 * escapes rather than spelling the secrets out, so that it is not
 * lib/channels/redact.ts's list of spellings graded by itself.)
 */
export function leakedSecrets(text: string, secrets: Record<string, string>): string[] {
  const views = readings(text);
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    const windows = secret.length <= WINDOW ? [secret] : Array.from({ length: secret.length - WINDOW + 1 }, (_, i) => secret.slice(i, i + WINDOW));
    if (views.some((view) => windows.some((w) => view.includes(w)))) found.push(name);
  }
  return found;
}
