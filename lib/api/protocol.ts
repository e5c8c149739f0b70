import type { z } from "zod";
import { AppError, type FieldErrors } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { log } from "@/lib/log";
import { isPassingDbFailure, reportStorageFailure, rootError } from "@/lib/dispatch/storage-health";
import { fieldErrorsOf } from "@/lib/validation/field-errors";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPath } from "@/lib/validation/text";

/**
 * What every `/api/v1` answer shares, whichever server reads the request (a
 * Next.js route handler, or the ingest fast path of `herald start`): the body
 * limits, how a JSON body is parsed, and the error shape.
 */

export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * How much of a refused body is still read and dropped before the connection is
 * cut: closing it while the client still sends resets it, and a reset discards
 * the 413 before the client reads it (curl: "Send failure: Broken pipe").
 */
export const DRAIN_BYTES = 16 * MAX_BODY_BYTES;
const MAX_JSON_DEPTH = 64;

export const tooLarge = () => new AppError("payload_too_large", "The body is larger than 1 MiB");

export type ErrorBody = { error: { code: string; message: string; fields?: FieldErrors } };

export function errorBody(error: AppError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.fields) body.error.fields = error.fields;
  return body;
}

/** A request body's text as JSON: refuses empty, malformed and too deeply nested documents. */
export function parseJsonText(text: string): unknown {
  if (!text.trim()) throw new AppError("bad_request", "The body is empty; send a JSON document");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new AppError("bad_request", `The body is not valid JSON: ${(e as Error).message}`);
  }
  // JSON.parse accepts any depth, but storing or rendering such a value later
  // (JSON.stringify, renderers) recurses and overflows the stack: refuse it here.
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new AppError("bad_request", `The body is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  return value;
}

/** Whether a parsed JSON value nests arrays/objects more than `max` levels (walked without recursion). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

/** Validates a parsed body with an endpoint's schema: the value, or a 422 naming each field. */
export function validBody<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError("validation_failed", "Some fields are invalid", fieldErrorsOf(parsed.error));
  const unstorable = unstorableTextPath(parsed.data);
  if (unstorable) throw new AppError("validation_failed", "Some fields are invalid", { [unstorable.join(".") || "_"]: [UNSTORABLE_TEXT_MESSAGE] });
  return parsed.data;
}

/**
 * Maps failures that are not AppErrors: a full or read-only database, a
 * PostgreSQL server that is away (restarting, unreachable), or contention (a
 * busy SQLite file, a deadlock) is a 503 the caller may retry; anything else a 500 with an id. Only maps: a request's
 * boundary also reports the failure (answerFailure), so that
 * `storage.unhealthy` is raised and recovered.
 */
function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (isPassingDbFailure(e)) {
    log.error("storage unavailable", { code: rootError(e).code });
    return new AppError("unavailable", "Storage is unavailable (the database cannot be written); try again later");
  }
  const id = newId("err");
  log.error("unexpected error", { errorId: id, error: (e as Error)?.stack ?? String(e) });
  return new AppError("internal", `Internal error (reference ${id})`);
}

/** A request failed: reports a storage failure to the storage health (lib/dispatch/storage-health.ts) and maps it to its answer. */
export function answerFailure(e: unknown): AppError {
  if (e instanceof AppError) return e;
  reportStorageFailure(e);
  return toAppError(e);
}
