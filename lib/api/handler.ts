import "server-only";
import type { z } from "zod";
import { AppError, type FieldErrors } from "@/lib/errors";
import { authorizeRequest, type Authorized } from "@/lib/auth/authorize";
import { newId } from "@/lib/ids";
import { log } from "@/lib/log";
import { reportStorageFailure } from "@/lib/dispatch/storage-health";
import type { Endpoint } from "./endpoint";

export const MAX_BODY_BYTES = 1024 * 1024;

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export type ApiContext<E extends Endpoint> = {
  req: Request;
  params: Record<string, string>;
  body: Infer<E["body"]>;
  query: Infer<E["query"]>;
} & (E["permission"] extends null ? Partial<Authorized> : Authorized);

type RouteContext = { params: Promise<Record<string, string>> };

export function errorResponse(error: AppError, headers?: HeadersInit): Response {
  const body: { error: { code: string; message: string; fields?: FieldErrors } } = {
    error: { code: error.code, message: error.message },
  };
  if (error.fields) body.error.fields = error.fields;
  return Response.json(body, { status: error.status, headers });
}

/** Zod issues → `{ "items.0.type": ["is required"] }`. */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of flattenUnions(error.issues)) {
    const key = issue.path.length ? issue.path.join(".") : "_";
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

type Issue = z.core.$ZodIssue;

/**
 * A failed union (e.g. "one event or an array of events") reports the issues
 * of the branch that fits the input's shape, with full paths, instead of one
 * unhelpful "invalid input" at the root.
 */
function flattenUnions(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== "invalid_union" || !("errors" in issue) || !issue.errors.length) return [issue];
    const branches = issue.errors as Issue[][];
    const fitting = branches.find((b) => !b.some((i) => i.code === "invalid_type" && i.path.length === 0)) ?? branches[0];
    return flattenUnions(fitting.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue));
  });
}

/** Reads a JSON body, refusing more than 1 MiB before buffering it all. */
export async function readJsonBody(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new AppError("payload_too_large", "The body is larger than 1 MiB");
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw new AppError("payload_too_large", "The body is larger than 1 MiB");
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
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

export const MAX_JSON_DEPTH = 64;

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

/** Maps failures that are not AppErrors: a full or read-only database is a 503, anything else a 500 with an id. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  const code = (e as { code?: string })?.code;
  // reportStorageFailure also remembers the failure, so `storage.unhealthy` is raised once writes work again.
  if (reportStorageFailure(e) || code?.startsWith("SQLITE_BUSY")) {
    log.error("storage unavailable", { code });
    return new AppError("unavailable", "Storage is unavailable (the database cannot be written); try again later");
  }
  const id = newId("err");
  log.error("unexpected error", { errorId: id, error: (e as Error)?.stack ?? String(e) });
  return new AppError("internal", `Internal error (reference ${id})`);
}

/**
 * Builds a route handler from an endpoint description: authenticates,
 * authorizes against the org in the path, parses and validates the body and
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
      let query: unknown = undefined;
      if (endpoint.query) {
        const parsed = endpoint.query.safeParse(Object.fromEntries(url.searchParams));
        if (!parsed.success)
          throw new AppError("bad_request", "Some query parameters are invalid", fieldErrorsOf(parsed.error));
        query = parsed.data;
      }
      let auth: Partial<Authorized> = {};
      if (endpoint.permission) {
        const orgSlug = params.org ?? url.searchParams.get("org") ?? undefined;
        auth = await authorizeRequest(req, orgSlug, endpoint.permission);
      }
      let body: unknown = undefined;
      if (endpoint.body) {
        const parsed = endpoint.body.safeParse(await readJsonBody(req));
        if (!parsed.success) throw new AppError("validation_failed", "Some fields are invalid", fieldErrorsOf(parsed.error));
        body = parsed.data;
      }
      const result = await fn({ req, params, body, query, ...auth } as ApiContext<E>);
      if (result instanceof Response) return result;
      if (result === undefined) return new Response(null, { status: endpoint.status ?? 204 });
      return Response.json(result, { status: endpoint.status ?? 200 });
    } catch (e) {
      return errorResponse(toAppError(e));
    }
  };
}
