import type { Dispatcher } from "undici";
import { headerPairs, type HeaderPairs } from "@/lib/channels/response-headers";

/**
 * One HTTP POST and its answer reduced to what Herald keeps: the status, the
 * headers and the first `RESPONSE_EXCERPT_BYTES` of the body. Used in the
 * thread that sends (lib/net/http-thread.ts) and, for the console's sends and
 * tests, right where it is called; the rest of an attempt (redaction, the
 * error in words) is lib/channels/http.ts.
 */

export const RESPONSE_EXCERPT_BYTES = 2048;

/** The first `max` bytes of UTF-8 text, as text: a character cut at the limit (it decodes as U+FFFD) is dropped. */
export function utf8Excerpt(text: string | Buffer, max = RESPONSE_EXCERPT_BYTES): string {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  return bytes
    .subarray(0, max)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}

export type PostRequest = { origin: string; path: string; body: string; headers: Record<string, string>; timeoutMs: number };

/** The answer's headers that Herald reads (pacing, retries, the redirect message, the receiver's clock); the rest are not kept. */
const KEPT_HEADERS = ["retry-after", "location", "x-ratelimit-remaining", "x-ratelimit-reset-after", "date"] as const;

/** `headers`: the few the dispatcher acts on; `headerPairs`: all of them, for the delivery log (lib/channels/response-headers.ts). */
export type PostAnswer = {
  status: number;
  headers: Partial<Record<(typeof KEPT_HEADERS)[number], string | string[]>>;
  headerPairs: HeaderPairs;
  excerpt: string;
};

/** Whatever sends a POST: the local guarded agent, or the thread that owns one (lib/net/http-thread-client.ts). */
export type Poster = (request: PostRequest) => Promise<PostAnswer>;

/** A Poster that sends through an undici agent of the caller's (a guarded agent, a test's MockAgent). */
export function posterThrough(agent: Dispatcher): Poster {
  return (request) => post(agent, request);
}

/** A `Poster` with resources of its own to release (a thread). */
export type Sender = { post: Poster; close(): Promise<void> };

/** Why an answer's body stopped being read: the excerpt is full (not a failure). */
const EXCERPT_FULL = new Error("excerpt full");

/**
 * One POST through undici's `dispatch` (the layer its `request` is built on):
 * no body stream, no AbortSignal per attempt — a measurable share of the
 * dispatcher's CPU at thousands of sends a second (docs/performance.md). Keeps
 * the first `RESPONSE_EXCERPT_BYTES` of the answer and closes the connection
 * rather than read a longer one to its end; rejects on a network failure, or
 * with a TimeoutError when the answer is not complete `timeoutMs` after the
 * request was written to a connection. The time before that is not the
 * receiver's: waiting for a free connection is bounded by how many requests
 * the caller hands one origin (the dispatcher: `CONNECTIONS_PER_ORIGIN`), and
 * connecting by the agent's connect timeout. Counting it as the receiver's
 * time gave up on requests the receiver was still answering (issue #17: false
 * timeouts, then duplicates).
 */
const UNDICI_BACKSTOP_MS = 1_000;

export function post(dispatcher: Dispatcher, request: PostRequest): Promise<PostAnswer> {
  const { timeoutMs } = request;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let status = 0;
    const answerHeaders: PostAnswer["headers"] = {};
    let pairs: HeaderPairs = [];
    let timer: NodeJS.Timeout | undefined;
    let timedOut: Error | undefined;
    const finish = () => {
      clearTimeout(timer);
      const excerpt = size === 0 ? "" : utf8Excerpt(Buffer.concat(chunks, size));
      resolve({ status, headers: answerHeaders, headerPairs: pairs, excerpt });
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    dispatcher.dispatch(
      {
        origin: request.origin,
        path: request.path,
        method: "POST",
        body: request.body,
        headers: request.headers,
        // undici's own timeouts only back ours up: the timer below decides, so a slow receiver always
        // gives one error (a TimeoutError), whichever timer a loaded machine runs first.
        headersTimeout: timeoutMs + UNDICI_BACKSTOP_MS,
        bodyTimeout: timeoutMs + UNDICI_BACKSTOP_MS,
      },
      {
        // Called as the request is written to a connection: the receiver's time starts here, as undici's headersTimeout does.
        onRequestStart(c) {
          timer = setTimeout(() => {
            timedOut = new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError");
            c.abort(timedOut);
          }, timeoutMs);
        },
        onResponseStart(_c, statusCode, responseHeaders) {
          status = statusCode;
          for (const name of KEPT_HEADERS) {
            const value = responseHeaders[name];
            if (value !== undefined) answerHeaders[name] = value;
          }
          pairs = headerPairs(responseHeaders);
        },
        onResponseData(c, chunk) {
          const room = RESPONSE_EXCERPT_BYTES - size;
          chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
          size += Math.min(chunk.length, room);
          if (size >= RESPONSE_EXCERPT_BYTES) c.abort(EXCERPT_FULL);
        },
        onResponseEnd: finish,
        onResponseError(_c, error) {
          if (error === EXCERPT_FULL) finish();
          else fail(timedOut ?? error);
        },
      },
    );
  });
}
