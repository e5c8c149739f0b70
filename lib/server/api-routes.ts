import type { IncomingMessage, ServerResponse } from "node:http";
import { ALL_ENDPOINTS } from "@/lib/api/endpoints";
import { errorBody } from "@/lib/api/protocol";
import { AppError } from "@/lib/errors";
import { answerJson, drainRefusedBody, pathOf } from "./request-guard";

/**
 * What no /api/v1 route takes gets the API's own error shape, as everything
 * else the API answers: an unknown path a JSON 404 (Next.js answers it with
 * the console's HTML page), a path that does not take the method a 405 that
 * names the methods it does take in `Allow` (Next.js answers an empty 405).
 * The routes are the endpoint list the OpenAPI document is made from; HEAD
 * and OPTIONS are left to Next.js, which answers them for every route.
 */

type Route = { pattern: RegExp; methods: string[] };

const byPath = new Map<string, Route>();
for (const e of ALL_ENDPOINTS) {
  const route = byPath.get(e.path) ?? { pattern: new RegExp(`^${e.path.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}/?$`), methods: [] };
  route.methods.push(e.method);
  byPath.set(e.path, route);
}
// As Next.js routes: a fixed segment before a parameter (…/deliveries/replay before …/deliveries/{id}).
const params = (path: string) => path.split("{").length;
const routes = [...byPath.entries()].sort(([a], [b]) => params(a) - params(b)).map(([, route]) => route);

/** Answers a request no API route takes and returns true; false hands it on. */
export function refuseUnroutedApiRequest(req: IncomingMessage, res: ServerResponse): boolean {
  const path = pathOf(req);
  const method = req.method ?? "GET";
  if (!path.startsWith("/api/v1/") || method === "HEAD" || method === "OPTIONS") return false;
  const route = routes.find((r) => r.pattern.test(path));
  if (route?.methods.includes(method)) return false;
  const allow = route?.methods.join(", ");
  const error = allow
    ? new AppError("method_not_allowed", `${method} is not allowed on ${path}; it takes ${allow}`)
    : new AppError("not_found", `There is no API operation at ${path}; the operations are listed at /api/v1/openapi.json`);
  answerJson(res, error.status, errorBody(error), allow ? { allow } : {});
  drainRefusedBody(req);
  return true;
}
