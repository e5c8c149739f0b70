import crypto from "node:crypto";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

/**
 * The operator's token for POST /api/dispatch (and /api/metrics when set):
 * compared in constant time, by digest, so neither the value nor its length
 * leaks through timing.
 */
function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash("sha256").update(given).digest();
  const b = crypto.createHash("sha256").update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

function bearerOf(req: Request): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "");
  return m ? m[1] : null;
}

/** For /api/dispatch: 404 when no token is configured (the route does not exist), 401 when it is missing or wrong. */
export function requireDispatchToken(req: Request): void {
  const expected = env().HERALD_DISPATCH_TOKEN;
  if (!expected) throw new AppError("not_found", "Not found: set HERALD_DISPATCH_TOKEN to enable /api/dispatch");
  const given = bearerOf(req);
  if (!given || !sameSecret(given, expected)) {
    throw new AppError("unauthorized", "Send 'Authorization: Bearer <HERALD_DISPATCH_TOKEN>'");
  }
}

/** For /api/metrics: open when no token is configured, else the same check. */
export function requireMetricsAccess(req: Request): void {
  const expected = env().HERALD_DISPATCH_TOKEN;
  if (!expected) return;
  const given = bearerOf(req);
  if (!given || !sameSecret(given, expected)) {
    throw new AppError("unauthorized", "Send 'Authorization: Bearer <HERALD_DISPATCH_TOKEN>'");
  }
}
