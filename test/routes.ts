import { readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Endpoint } from "@/lib/api/endpoint";
import { ALL_ENDPOINTS } from "@/lib/api/endpoints";

/**
 * Discovers the route handlers the app really serves — from the file tree,
 * not from a list someone keeps — and pairs each with its endpoint object,
 * for the generated hardening tests (authorization matrix, hostile input,
 * secret scan).
 */

export const ROOT = path.resolve(import.meta.dirname, "..");
export const APP = path.join(ROOT, "app");
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export type RouteOperation = {
  /** `POST /api/v1/orgs/{org}/channels` */
  op: string;
  method: (typeof HTTP_METHODS)[number];
  /** OpenAPI-style path. */
  path: string;
  file: string;
  handler: RouteHandler;
  /** The endpoint object describing it; undefined when none does (the tests fail on that). */
  endpoint: Endpoint | undefined;
};

/** Every `route.ts` under a folder, skipping private `_folders` (not routable in the App Router). */
export function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name.startsWith("_") ? [] : routeFiles(full);
      return /^route\.(ts|tsx|js)$/.test(entry.name) ? [full] : [];
    })
    .sort();
}

/**
 * The OpenAPI paths a route file serves: `[org]` → `{org}`, `[...x]` → `{x}`,
 * `[[...x]]` → with and without `{x}`, `(group)` and `@slot` folders dropped.
 */
export function openApiPathsOf(routeFile: string): string[] {
  const segments = path.relative(APP, path.dirname(routeFile)).split(path.sep);
  let paths = [""];
  for (const segment of segments) {
    if (/^\(.*\)$/.test(segment) || segment.startsWith("@")) continue;
    const optionalCatchAll = /^\[\[\.\.\.(.+)\]\]$/.exec(segment);
    const dynamic = /^\[(?:\.\.\.)?(.+)\]$/.exec(segment);
    if (optionalCatchAll) paths = paths.flatMap((p) => [p, `${p}/{${optionalCatchAll[1]}}`]);
    else paths = paths.map((p) => `${p}/${dynamic ? `{${dynamic[1]}}` : segment}`);
  }
  return paths.map((p) => p || "/");
}

/** Imports every route module under `dir` and lists the HTTP methods it exports. */
export async function discoverRoutes(dir: string, endpoints: readonly Endpoint[] = ALL_ENDPOINTS): Promise<RouteOperation[]> {
  const byOp = new Map(endpoints.map((e) => [`${e.method} ${e.path}`, e]));
  const out: RouteOperation[] = [];
  for (const file of routeFiles(dir)) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const routePath of openApiPathsOf(file)) {
      for (const method of HTTP_METHODS) {
        if (typeof mod[method] !== "function") continue;
        const op = `${method} ${routePath}`;
        out.push({ op, method, path: routePath, file: path.relative(ROOT, file), handler: mod[method] as RouteHandler, endpoint: byOp.get(op) });
      }
    }
  }
  return out;
}

/** The names of a path's parameters, in order: `/a/{org}/b/{id}` → [["org", "a"], ["id", "b"]] with the segment before each. */
export function pathParams(routePath: string): { name: string; after: string }[] {
  const segments = routePath.split("/").filter(Boolean);
  return segments.flatMap((s, i) => {
    const m = /^\{(.+)\}$/.exec(s);
    return m ? [{ name: m[1], after: segments[i - 1] ?? "" }] : [];
  });
}

/** Fills `{name}` placeholders. */
function fillPath(routePath: string, values: Record<string, string>): string {
  return routePath.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? `{${name}}`));
}

export type CallResult = { status: number; text: string; json: unknown; contentType: string };

/** Calls a route handler directly, as Next would, with the params Next would pass. */
export async function callRoute(
  operation: Pick<RouteOperation, "method" | "path" | "handler">,
  opts: { params: Record<string, string>; token?: string; headers?: Record<string, string>; body?: unknown; rawBody?: string; query?: string },
): Promise<CallResult> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  const hasBody = operation.method !== "GET" && (opts.rawBody !== undefined || opts.body !== undefined);
  const body = hasBody ? (opts.rawBody ?? JSON.stringify(opts.body)) : undefined;
  if (body !== undefined) headers["content-type"] ??= "application/json";
  const url = `http://127.0.0.1:3000${fillPath(operation.path, opts.params)}${opts.query ? `?${opts.query}` : ""}`;
  const params = Object.fromEntries(pathParams(operation.path).map(({ name }) => [name, opts.params[name] ?? ""]));
  const res = await operation.handler(new Request(url, { method: operation.method, headers, body }), { params: Promise.resolve(params) });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (metrics, for instance)
  }
  return { status: res.status, text, json, contentType: res.headers.get("content-type") ?? "" };
}

/** True when a body has the API's one error shape: `{ error: { code, message, fields? } }`. */
export function isErrorShape(json: unknown): boolean {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return !!error && typeof error.code === "string" && typeof error.message === "string";
}
