import type { z } from "zod";
import type { Permission } from "@/lib/auth/permissions";
import type { ErrorCode } from "@/lib/errors";

/**
 * The description of one `/api/v1` operation. Route handlers are built from
 * these (lib/api/handler.ts), and the OpenAPI document is generated from the
 * same objects, so the document cannot drift from what the code validates.
 */
export type Endpoint = {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** OpenAPI-style path, e.g. `/api/v1/orgs/{org}/channels/{id}`. */
  path: string;
  summary: string;
  tag: string;
  /** `null` = no authentication (health, OpenAPI document). */
  permission: Permission | null;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Shape of a successful response body (for the document). */
  response?: z.ZodType;
  /** A successful response that is plain text, not JSON (Prometheus metrics). */
  textResponse?: string;
  /** Status of a successful response. */
  status?: number;
  /**
   * A request body the `body` schema accepts: shown in the OpenAPI document.
   * A test parses it, and e2e/api-examples.spec.ts sends every documented
   * example to a running server. Ids are written as placeholders (`ch_…`).
   */
  example?: unknown;
  /** Query parameters of the documented example request. */
  exampleQuery?: Record<string, string>;
  /**
   * Authenticated by the operator's `HERALD_DISPATCH_TOKEN` instead of an org token (`permission` is then null),
   * enforced by the handler (lib/api/handler.ts): "required" = 404 when the token is not set, 401 without it;
   * "when-set" = open when the token is not set.
   */
  operatorToken?: "required" | "when-set";
  /** Errors this operation can answer beyond those its shape implies (lib/api/openapi.ts), e.g. "rate_limited". */
  errors?: readonly ErrorCode[];
};

export function endpoint<const E extends Endpoint>(e: E): E {
  return e;
}
