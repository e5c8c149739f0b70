import "server-only";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { authorizeRequest, type Authorized } from "@/lib/auth/authorize";
import { requireDispatchToken, requireMetricsAccess } from "@/lib/dispatch/dispatch-token";
import { fieldErrorsOf } from "@/lib/validation/field-errors";
import { DRAIN_BYTES, MAX_BODY_BYTES, errorBody, parseJsonText, answerFailure, tooLarge, validBody } from "./protocol";
import type { Endpoint } from "./endpoint";

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export type ApiContext<E extends Endpoint> = {
  req: Request;
  params: Record<string, string>;
  body: Infer<E["body"]>;
  query: Infer<E["query"]>;
} & (E["permission"] extends null ? Partial<Authorized> : Authorized);

type RouteContext = { params: Promise<Record<string, string>> };

function errorResponse(error: AppError, headers?: HeadersInit): Response {
  return Response.json(errorBody(error), { status: error.status, headers });
}

/** Reads a JSON body, refusing more than 1 MiB before buffering it all. */
async function readJsonBody(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // Past the limit, the rest is read and dropped (up to DRAIN_BYTES) so that the client reads the 413.
      if (size > DRAIN_BYTES) await reader.cancel();
      if (size > MAX_BODY_BYTES) continue;
      chunks.push(value);
    }
  }
  if (size > MAX_BODY_BYTES) throw tooLarge();
  return parseJsonText(Buffer.concat(chunks).toString("utf8"));
}

/**
 * Builds a route handler from an endpoint description: authenticates (an org
 * token or session, or the operator's token), authorizes against the org in
 * the path — before looking at any input —, then parses and validates the body and
 * query with the endpoint's zod schemas, and answers errors in one shape.
 */
export function handle<E extends Endpoint>(
  endpoint: E,
  fn: (ctx: ApiContext<E>) => Promise<unknown> | unknown,
): (req: Request, route: RouteContext) => Promise<Response> {
  return async (req, route) => {
    try {
      const params = (await route?.params) ?? {};
      const url = new URL(req.url);
      // Credentials first: a caller who may not use the route learns nothing about its input (401, not 400).
      if (endpoint.operatorToken === "required") requireDispatchToken(req);
      if (endpoint.operatorToken === "when-set") requireMetricsAccess(req);
      let auth: Partial<Authorized> = {};
      if (endpoint.permission) {
        const orgSlug = params.org ?? url.searchParams.get("org") ?? undefined;
        auth = await authorizeRequest(req, orgSlug, endpoint.permission);
      }
      let query: unknown = undefined;
      if (endpoint.query) {
        const parsed = endpoint.query.safeParse(Object.fromEntries(url.searchParams));
        if (!parsed.success) throw new AppError("bad_request", "Some query parameters are invalid", fieldErrorsOf(parsed.error));
        query = parsed.data;
      }
      let body: unknown = undefined;
      if (endpoint.body) {
        body = validBody(endpoint.body, await readJsonBody(req));
      }
      const result = await fn({ req, params, body, query, ...auth } as ApiContext<E>);
      if (result instanceof Response) return result;
      if (result === undefined) return new Response(null, { status: endpoint.status ?? 204 });
      return Response.json(result, { status: endpoint.status ?? 200 });
    } catch (e) {
      return errorResponse(answerFailure(e));
    }
  };
}
