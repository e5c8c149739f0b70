import type { IncomingMessage, ServerResponse } from "node:http";
import { db } from "@/db/client";
import { ingestEventsEndpoint } from "@/lib/api/endpoints/events";
import { MAX_BODY_BYTES, errorBody, parseJsonText, answerFailure, tooLarge, validBody } from "@/lib/api/protocol";
import { authorizeBearer } from "@/lib/auth/bearer";
import { answerIngest } from "@/lib/events/ingest";
import { answerJson, drainRefusedBody, pathOf, readUpTo } from "./request-guard";

/**
 * `POST /api/v1/events` with an API token, answered by `herald start` itself
 * instead of through Next.js. Producers post events at high rates, and Next's
 * request machinery costs about 1.3 ms of CPU per request on its own (see
 * docs/performance.md) — several times the ingest itself. Same guard
 * (authorizeBearer), same limits and parsing (lib/api/protocol.ts), same
 * answer (answerIngest) and headers as the route handler, which still serves
 * `next dev` and session-authenticated posts; a test holds the two to the same
 * answers.
 */

/** Whether this request is one the fast path answers (everything else goes to Next.js). */
export function isFastIngest(req: IncomingMessage): boolean {
  if (req.method !== "POST" || req.headers.authorization === undefined) return false;
  return pathOf(req) === ingestEventsEndpoint.path;
}

export async function serveFastIngest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let status: number;
  let body: unknown;
  try {
    const database = db();
    const { org } = await authorizeBearer(database, req.headers.authorization!, undefined, ingestEventsEndpoint.permission!);
    const input = validBody(ingestEventsEndpoint.body, parseJsonText(await readBody(req)));
    ({ status, body } = await answerIngest(database, org.id, input));
  } catch (e) {
    const error = answerFailure(e);
    ({ status } = error);
    body = errorBody(error);
  }
  answerJson(res, status, body);
  // A refused body may still be arriving (too large, or refused before it was read).
  drainRefusedBody(req);
}

/** The body as text, refusing more than 1 MiB before buffering it all. */
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks = await readUpTo(req, MAX_BODY_BYTES);
  if (!chunks) throw tooLarge();
  return Buffer.concat(chunks).toString("utf8");
}
