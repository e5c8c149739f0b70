/**
 * Errors we expect and whose message is safe to show to the caller. Anything
 * else is logged with an id and answered with a generic message.
 */
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "validation_failed"
  | "rate_limited"
  | "unavailable"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  validation_failed: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldErrors,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const forbidden = (message = "You do not have permission to do this") => new AppError("forbidden", message);
export const conflict = (message: string, fields?: FieldErrors) => new AppError("conflict", message, fields);
export const invalid = (fields: FieldErrors, message = "Some fields are invalid") => new AppError("validation_failed", message, fields);

/**
 * True for a unique-constraint violation, on either engine (so callers can
 * turn it into a 409): SQLite's SQLITE_CONSTRAINT_UNIQUE, PostgreSQL's 23505.
 * drizzle wraps a driver's error in its own (the driver's is the `cause`).
 */
export function isUniqueViolation(e: unknown): boolean {
  for (let err = e, depth = 0; typeof err === "object" && err !== null && depth < 5; err = (err as { cause?: unknown }).cause, depth++) {
    const code = (err as { code?: unknown }).code;
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505") return true;
  }
  return false;
}
