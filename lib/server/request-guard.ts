import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Env } from "@/lib/env";
import { DRAIN_BYTES, MAX_BODY_BYTES, errorBody, tooLarge } from "@/lib/api/protocol";
import { CLIENT_ADDRESS_HEADER } from "@/lib/net/client-address";
import { securityHeaders } from "@/lib/security-headers";

/**
 * What `herald start` does to every request before Next.js (or the ingest
 * fast path) sees it:
 * - forwarding headers (`X-Forwarded-*`, `Forwarded`, `X-Real-IP`) are
 *   dropped unless HERALD_TRUST_PROXY=1: any client can send them, and Next's
 *   server-action Origin check and our API's believe X-Forwarded-Host;
 * - the client's address (the socket's, or with a trusted proxy the address
 *   that proxy appended to X-Forwarded-For) is passed on in one header of our
 *   own, for the sign-in throttle; a client-sent one is replaced;
 * - HSTS when the public URL is https;
 * - server-action POSTs are refused in the answer's status instead of a 500
 *   from deep inside Next: over 1 MiB (413), from another or an unreadable
 *   Origin (403), or with a raw `$`-reference argument React would try to
 *   resolve (422).
 * Returns the request to hand on (a server-action body is read here and replayed), or null when answered.
 */

/** The API's security headers (next.config.ts gives Next's answers the same), for the answers written here. */
const API_HEADERS: Record<string, string> = Object.fromEntries(securityHeaders(false).map((h) => [h.key, h.value]));
const FORWARDING = ["x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-for", "forwarded", "x-real-ip"];
const HSTS = "max-age=63072000; includeSubDomains";
// What React's client itself writes for a plain argument: an escaped "$$…", undefined, special numbers, dates, bigints.
const PLAIN_REFERENCE = /^\$(\$|undefined$|NaN$|Infinity$|-Infinity$|-0$|D\d{4}-|n-?\d+$)/;

export async function guardRequest(req: IncomingMessage, res: ServerResponse, env: Env): Promise<IncomingMessage | null> {
  const socketAddress = req.socket.remoteAddress ?? "";
  let client = socketAddress;
  if (env.HERALD_TRUST_PROXY) {
    // The proxy appends the address it saw: the last entry is the one we can believe.
    const forwarded = String(req.headers["x-forwarded-for"] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    client = forwarded.at(-1) ?? socketAddress;
  } else {
    for (const name of FORWARDING) delete req.headers[name];
  }
  req.headers[CLIENT_ADDRESS_HEADER] = client;
  if (env.publicUrl.startsWith("https://")) res.setHeader("Strict-Transport-Security", HSTS);

  if (req.method !== "POST" || req.headers["next-action"] === undefined) return req;
  const refuse = (status: number, code: string, message: string) => {
    answerJson(res, status, { error: { code, message } });
    drainRefusedBody(req);
    return null;
  };
  const origin = req.headers.origin;
  if (origin !== undefined && !sameHost(origin, req.headers["x-forwarded-host"] ?? req.headers.host)) {
    return refuse(403, "forbidden", "Cross-origin request refused");
  }
  const chunks = await readUpTo(req, MAX_BODY_BYTES);
  if (!chunks) return refuse(413, "payload_too_large", tooLarge().message);
  const body = Buffer.concat(chunks);
  if (String(req.headers["content-type"] ?? "").startsWith("text/plain") && hasRawReference(body.toString("utf8"))) {
    return refuse(422, "validation_failed", "An argument is not plain data");
  }
  return replay(req, body);
}

/** The body, or null as soon as it passes `limit` (the stream is left paused, not destroyed). */
export function readUpTo(req: IncomingMessage, limit: number): Promise<Buffer[] | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", onData).off("end", onEnd).off("error", reject);
      req.pause();
      resolve(null);
    };
    const onEnd = () => resolve(chunks);
    req.on("data", onData).on("end", onEnd).on("error", reject);
  });
}

function sameHost(origin: string, host: string | string[] | undefined): boolean {
  try {
    return !!host && new URL(origin).host === String(host);
  } catch {
    return false; // "null", or not a URL
  }
}

/** True when a JSON action body holds a `$`-string React would resolve as a reference (to a part, a promise, a Map …). */
function hasRawReference(text: string): boolean {
  let found = false;
  try {
    JSON.parse(text, (_key, value: unknown) => {
      if (typeof value === "string" && value.startsWith("$") && !PLAIN_REFERENCE.test(value)) found = true;
      return value;
    });
  } catch {
    return false; // not JSON: Next answers it as it always did
  }
  return found;
}

/** A request Next can read as the original: same socket, headers and URL, the body already read. */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new http.IncomingMessage(req.socket);
  Object.assign(copy, {
    method: req.method,
    url: req.url,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    complete: true,
  });
  copy._read = () => {};
  copy.push(body);
  copy.push(null);
  return copy;
}
/**
 * A body declared larger than any route takes (MAX_BODY_BYTES: the API's limit and
 * server actions') is answered 413 before a byte of it is read. A client waiting
 * for "100 Continue" never sends it: the connection closes after the answer.
 * Otherwise the body is read and dropped (drainRefusedBody). Returns whether it refused.
 */
export function refuseOversizedBody(req: IncomingMessage, res: ServerResponse): boolean {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (!(declared > MAX_BODY_BYTES)) return false;
  const close = /100-continue/i.test(String(req.headers.expect ?? "")) || declared > DRAIN_BYTES;
  answerJson(res, 413, errorBody(tooLarge()), close ? { connection: "close" } : {});
  if (!close) drainRefusedBody(req);
  return true;
}

/** The request's path, its query left out. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const end = url.indexOf("?");
  return end === -1 ? url : url.slice(0, end);
}

/** A JSON answer written here, outside Next: with the API's security headers and its length. */
export function answerJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...API_HEADERS, ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** After answering a request whose body is refused, or not needed: reads the rest of the body and drops it, up to DRAIN_BYTES. */
export function drainRefusedBody(req: IncomingMessage): void {
  if (req.complete) return;
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.byteLength;
    if (size > DRAIN_BYTES) req.socket.destroy();
  });
  req.resume();
}
