import { z } from "zod";
import packageJson from "@/package.json";
import type { Permission } from "@/lib/auth/permissions";
import type { ErrorCode } from "@/lib/errors";
import type { Endpoint } from "./endpoint";
import { ALL_ENDPOINTS } from "./endpoints";
import { SchemaConverter, type JsonSchema } from "./openapi-schema";

export type { JsonSchema };

/**
 * The OpenAPI 3.1 document, generated from the endpoint objects the route
 * handlers are built from (lib/api/endpoints), so it cannot drift from what
 * the API validates. lib/api/openapi.test.ts checks that every route file is
 * described and that the result is a valid OpenAPI 3.1 document.
 */

export type HttpMethod = Lowercase<Endpoint["method"]>;

type OpenApiParameter = {
  name: string;
  in: "path" | "query";
  required: boolean;
  description?: string;
  schema: JsonSchema;
  example?: string;
};

export type OpenApiResponse = {
  description: string;
  content?: { "application/json": { schema: JsonSchema } } | { "text/plain": { schema: JsonSchema } };
};
type ResponseRef = { $ref: string };

export type OpenApiOperation = {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  /** `[]` = public; otherwise an org's bearer token (or the console's session) with `x-permission`, or the operator's token. */
  security: ({ bearerAuth: string[] } | { operatorToken: string[] })[];
  "x-permission": Permission | null;
  parameters?: OpenApiParameter[];
  requestBody?: {
    required: true;
    content: { "application/json": { schema: JsonSchema; example?: unknown } };
  };
  responses: Record<string, OpenApiResponse | ResponseRef>;
};

export type OpenApiDocument = {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  tags: { name: string }[];
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>;
  components: {
    securitySchemes: Record<"bearerAuth" | "operatorToken", { type: "http"; scheme: "bearer"; description: string }>;
    schemas: Record<string, JsonSchema>;
    responses: Record<string, OpenApiResponse & { content: { "application/json": { schema: ResponseRef; example: unknown } } }>;
  };
};

export const PERMISSION_DESCRIPTIONS: Record<Permission, string> = {
  "org:read": "any member of the organization, or any API token of the organization (read or admin)",
  "org:configure": "an admin API token, or an owner or admin of the organization",
  "org:manage": "an owner of the organization (signed in to the console; API tokens cannot)",
  "product:configure": "a product admin of that product (or a token limited to it), an admin API token, or an owner or admin of the organization",
};

/** Every error the API answers, as a shared response: name in components.responses, status, when it happens. */
export const ERROR_RESPONSES: Record<ErrorCode, { name: string; status: number; description: string }> = {
  bad_request: { name: "BadRequest", status: 400, description: "The body is not JSON, or a query parameter is invalid" },
  unauthorized: { name: "Unauthorized", status: 401, description: "No API token, or it is malformed, revoked or expired" },
  forbidden: { name: "Forbidden", status: 403, description: "The token or member lacks the permission this operation needs" },
  not_found: { name: "NotFound", status: 404, description: "The organization (or another org's token) or the named item does not exist" },
  method_not_allowed: { name: "MethodNotAllowed", status: 405, description: "The path exists but does not take this method; `Allow` names those it takes" },
  conflict: { name: "Conflict", status: 409, description: "The change clashes with the current state, e.g. a slug already taken" },
  payload_too_large: { name: "PayloadTooLarge", status: 413, description: "The body is larger than 1 MiB" },
  validation_failed: { name: "ValidationFailed", status: 422, description: "Some fields are invalid; `fields` names each one" },
  rate_limited: { name: "RateLimited", status: 429, description: "Too many requests; wait and try again" },
  internal: { name: "InternalError", status: 500, description: "Unexpected failure; the message carries a reference for the server log" },
  unavailable: { name: "Unavailable", status: 503, description: "Storage is unavailable (the database cannot be written)" },
};

const errorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_RESPONSES) as [ErrorCode, ...ErrorCode[]]),
    message: z.string().describe("Safe to show to a person"),
    fields: z.record(z.string(), z.array(z.string())).optional().describe('Invalid fields by dotted path, e.g. {"items.0.type": ["is required"]}'),
  }),
});

/** Errors an operation can answer, from its shape (auth, path ids, body, query) plus its own `errors`. */
function errorCodesOf(e: Endpoint): ErrorCode[] {
  const codes = new Set<ErrorCode>(e.errors ?? []);
  const writes = e.method !== "GET" && e.method !== "DELETE";
  if (e.body || e.query) codes.add("bad_request");
  if (e.operatorToken) codes.add("unauthorized");
  if (e.permission) {
    codes.add("unauthorized");
    // org:read is every member's, but a console session writing from another origin is refused.
    if (e.permission !== "org:read" || e.method !== "GET") codes.add("forbidden");
  }
  if (pathParamsOf(e.path).length > 0) codes.add("not_found");
  if (e.body && writes) codes.add("conflict");
  if (e.body) codes.add("payload_too_large").add("validation_failed");
  codes.add("internal");
  if (e.permission || e.body) codes.add("unavailable");
  return [...codes].sort((a, b) => ERROR_RESPONSES[a].status - ERROR_RESPONSES[b].status);
}

function pathParamsOf(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
}

const PATH_PARAM_DESCRIPTIONS: Record<string, string> = {
  org: "The organization's slug",
  product: "The product's slug",
  app: "The product's slug",
};

const PATH_PARAM_EXAMPLES: Record<string, string> = { org: "acme", product: "billing", app: "billing", hook: "ch_…" };
/** Id placeholders by the collection an `{id}` belongs to (the prefixes of lib/ids). */
const ID_EXAMPLES: Record<string, string> = {
  channels: "ch_…",
  notifications: "ch_…",
  deliveries: "dlv_…",
  events: "evt_…",
  rules: "rul_…",
  silences: "sil_…",
};

/** The documented example value of a path parameter: `{id}` takes its collection's id placeholder. */
function pathParamExample(path: string, name: string): string {
  if (name !== "id") {
    const example = PATH_PARAM_EXAMPLES[name];
    if (!example) throw new Error(`${path}: no example for the path parameter {${name}}; add one to PATH_PARAM_EXAMPLES`);
    return example;
  }
  const collection = /\/([a-z-]+)\/\{id\}/.exec(path)?.[1] ?? "";
  const example = ID_EXAMPLES[collection];
  if (!example) throw new Error(`${path}: no id placeholder for "${collection}"; add one to ID_EXAMPLES`);
  return example;
}

/** `POST /api/v1/orgs/{org}/channels/{id}/test` → `postOrgsByOrgChannelsByIdTest`. */
function operationIdOf(e: Endpoint): string {
  const words = e.path
    .replace(/^\/api(\/v1)?\//, "")
    .split("/")
    .filter(Boolean)
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      return param ? `By-${param[1]}` : segment;
    })
    .join("-")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return e.method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

function successDescription(status: number): string {
  return { 200: "OK", 201: "Created", 202: "Accepted", 204: "No content" }[status] ?? "Success";
}

function parametersOf(e: Endpoint, schemas: SchemaConverter): OpenApiParameter[] {
  const parameters: OpenApiParameter[] = pathParamsOf(e.path).map((name) => ({
    name,
    in: "path",
    required: true,
    description: PATH_PARAM_DESCRIPTIONS[name] ?? `The ${name} of the item`,
    schema: { type: "string" },
    example: pathParamExample(e.path, name),
  }));
  if (!e.query) return parameters;
  const query = schemas.convert(e.query, "input");
  const properties = query.properties as Record<string, JsonSchema> | undefined;
  if (query.type !== "object" || !properties) throw new Error(`${e.method} ${e.path}: the query schema must be a z.object so each parameter can be documented`);
  const required = new Set((query.required as string[] | undefined) ?? []);
  for (const [name, schema] of Object.entries(properties)) {
    const description = typeof schema.description === "string" ? schema.description : undefined;
    const example = e.exampleQuery?.[name];
    parameters.push({
      name,
      in: "query",
      required: required.has(name),
      ...(description && { description }),
      schema,
      ...(example !== undefined && { example }),
    });
  }
  return parameters;
}

function operationOf(e: Endpoint, schemas: SchemaConverter): OpenApiOperation {
  const requirement = e.permission
    ? `Requires \`${e.permission}\`: ${PERMISSION_DESCRIPTIONS[e.permission]}.`
    : e.operatorToken
      ? "Requires the operator's token: `Authorization: Bearer <HERALD_DISPATCH_TOKEN>`."
      : "Public: no authentication.";
  const operation: OpenApiOperation = {
    operationId: operationIdOf(e),
    summary: e.summary,
    description: requirement,
    tags: [e.tag],
    security: e.permission ? [{ bearerAuth: [] }] : e.operatorToken ? [{ operatorToken: [] }] : [],
    "x-permission": e.permission,
    responses: {},
  };
  const parameters = parametersOf(e, schemas);
  if (parameters.length) operation.parameters = parameters;
  if (e.body) {
    const schema = schemas.convert(e.body, "input");
    const listed = Array.isArray(schema.examples) ? schema.examples[0] : undefined;
    const example = e.example ?? listed;
    operation.requestBody = {
      required: true,
      content: { "application/json": { schema, ...(example !== undefined && { example }) } },
    };
  }
  const status = e.status ?? (e.response || e.textResponse ? 200 : 204);
  operation.responses[String(status)] = {
    description: successDescription(status),
    ...(e.response && { content: { "application/json": { schema: schemas.convert(e.response, "output") } } }),
    ...(e.textResponse && { content: { "text/plain": { schema: { type: "string", description: e.textResponse } } } }),
  };
  for (const code of errorCodesOf(e)) {
    const { name, status: errorStatus } = ERROR_RESPONSES[code];
    operation.responses[String(errorStatus)] = { $ref: `#/components/responses/${name}` };
  }
  return operation;
}

export function buildOpenApiDocument(endpoints: readonly Endpoint[] = ALL_ENDPOINTS): OpenApiDocument {
  const schemas = new SchemaConverter();
  const paths: OpenApiDocument["paths"] = {};
  const tags: string[] = [];
  for (const e of endpoints) {
    const method = e.method.toLowerCase() as HttpMethod;
    const item = (paths[e.path] ??= {});
    if (item[method]) throw new Error(`Two endpoints describe ${e.method} ${e.path}`);
    item[method] = operationOf(e, schemas);
    if (!tags.includes(e.tag)) tags.push(e.tag);
  }
  const errorSchema = schemas.convert(errorBody, "output");
  const responses: OpenApiDocument["components"]["responses"] = {};
  for (const [code, { name, description }] of Object.entries(ERROR_RESPONSES)) {
    const example = { error: { code, message: description } };
    if (code === "validation_failed") Object.assign(example.error, { fields: { name: ["is required"] } });
    responses[name] = {
      description,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" }, example } },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Herald API",
      version: packageJson.version,
      description: [
        "Herald's REST API: JSON bodies, string ids, ISO 8601 UTC times.",
        "Authenticate with an API token of the organization: `Authorization: Bearer <token>` (create one under API tokens).",
        "The console's session cookie is accepted too, for requests from the console's own origin.",
        'Every error has the shape `{"error":{"code","message","fields"?}}`.',
      ].join(" "),
    },
    tags: tags.map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description:
            "An API token of the organization. `read` tokens hold org:read; `admin` tokens also hold org:configure and product:configure. Each operation names the permission it needs in `x-permission`.",
        },
        operatorToken: {
          type: "http",
          scheme: "bearer",
          description: "The operator's HERALD_DISPATCH_TOKEN (environment), for schedulers and metrics scrapers: not tied to an organization.",
        },
      },
      schemas: { ...schemas.components, Error: errorSchema },
      responses,
    },
  };
}
