import { readFileSync } from "node:fs";
import path from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { endpoint, type Endpoint } from "./endpoint";
import { ALL_ENDPOINTS } from "./endpoints";
import { buildOpenApiDocument, type JsonSchema } from "./openapi";
import { APP, HTTP_METHODS, openApiPathsOf, ROOT, routeFiles } from "@/test/routes";

/** HTTP methods a route file exports: `export const GET`, `export async function GET`, `export { x as GET }`. */
function exportedMethods(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/export\s+(?:const|let|var|(?:async\s+)?function)\s+([A-Z]+)\b/g)) found.add(m[1]);
  for (const m of source.matchAll(/export\s*\{([^}]*)\}/g))
    for (const part of m[1].split(","))
      found.add(
        part
          .trim()
          .split(/\s+as\s+/)
          .pop()!
          .trim(),
      );
  return HTTP_METHODS.filter((method) => found.has(method));
}

function servedOperations(dir: string): Map<string, string> {
  const served = new Map<string, string>();
  for (const file of routeFiles(dir)) {
    const methods = exportedMethods(readFileSync(file, "utf8"));
    for (const p of openApiPathsOf(file)) for (const method of methods) served.set(`${method} ${p}`, path.relative(ROOT, file));
  }
  return served;
}

const operationsOf = (endpoints: readonly Endpoint[]) => new Set(endpoints.map((e) => `${e.method} ${e.path}`));
const described = operationsOf(ALL_ENDPOINTS);

function undescribedRoutes(endpoints: readonly Endpoint[]): string[] {
  const known = operationsOf(endpoints);
  return [...servedOperations(path.join(APP, "api", "v1"))].filter(([op]) => !known.has(op)).map(([op, file]) => `${op} (${file})`);
}

describe("the OpenAPI document", () => {
  it("validates as OpenAPI 3.1, with every $ref resolvable", async () => {
    const document = buildOpenApiDocument();
    expect(document.openapi).toBe("3.1.0");
    // validate() dereferences in place, so it gets a copy.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
  });

  it("is refused by the validator when it breaks OpenAPI 3.1 (so the check above can fail)", async () => {
    type Loose = { paths: Record<string, unknown>; info: Record<string, unknown> };
    const danglingRef = structuredClone(buildOpenApiDocument()) as unknown as Loose;
    danglingRef.paths["/api/v1/broken"] = { get: { responses: { 200: { $ref: "#/components/responses/Missing" } } } };
    await expect(SwaggerParser.validate(danglingRef as never)).rejects.toThrow(/Missing/);
    // A Swagger 2 body parameter does not exist in OpenAPI 3.1.
    const swagger2Parameter = structuredClone(buildOpenApiDocument()) as unknown as Loose;
    swagger2Parameter.paths["/api/v1/broken"] = {
      post: { parameters: [{ name: "x", in: "body", schema: {} }], responses: { 204: { description: "ok" } } },
    };
    await expect(SwaggerParser.validate(swagger2Parameter as never)).rejects.toThrow();
    const noVersion = structuredClone(buildOpenApiDocument()) as unknown as Loose;
    delete noVersion.info.version;
    await expect(SwaggerParser.validate(noVersion as never)).rejects.toThrow(/version/);
  });

  it("describes every endpoint object under its own path and method, once", () => {
    const document = buildOpenApiDocument();
    for (const e of ALL_ENDPOINTS) {
      const operation = document.paths[e.path]?.[e.method.toLowerCase() as "get"];
      expect(operation, `${e.method} ${e.path}`).toBeDefined();
      expect(operation!.summary).toBe(e.summary);
      expect(operation!.tags).toEqual([e.tag]);
      expect(operation!["x-permission"]).toBe(e.permission);
      expect(operation!.security).toEqual(e.permission ? [{ bearerAuth: [] }] : e.operatorToken ? [{ operatorToken: [] }] : []);
    }
    expect(described.size).toBe(ALL_ENDPOINTS.length);
    const ids = Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("gives every request body a JSON schema with properties (each variant of a union, the items of an array)", () => {
    const document = buildOpenApiDocument();
    const resolve = (s: JsonSchema): JsonSchema => (typeof s.$ref === "string" ? document.components.schemas[s.$ref.replace("#/components/schemas/", "")] : s);
    const hasProperties = (s: JsonSchema): boolean => {
      const schema = resolve(s);
      const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
      if (variants) return variants.length > 0 && variants.every(hasProperties);
      if (Array.isArray(schema.allOf)) return (schema.allOf as JsonSchema[]).some(hasProperties);
      if (schema.type === "array") return !!schema.items && hasProperties(schema.items as JsonSchema);
      return !!schema.properties && Object.keys(schema.properties).length > 0;
    };
    const withBody = ALL_ENDPOINTS.filter((e) => e.body);
    expect(withBody.length).toBeGreaterThan(0);
    for (const e of withBody) {
      const schema = document.paths[e.path][e.method.toLowerCase() as "post"]!.requestBody!.content["application/json"].schema;
      expect(hasProperties(schema), `${e.method} ${e.path}`).toBe(true);
    }
  });

  it("documents an example request for every operation, and only examples its schemas accept", () => {
    const document = buildOpenApiDocument();
    for (const e of ALL_ENDPOINTS) {
      const name = `${e.method} ${e.path}`;
      if (e.body) expect(e.example, `${name} has a body but no example`).toBeDefined();
      if (e.example !== undefined) {
        expect(e.body, `${name} has an example but no body`).toBeDefined();
        const parsed = e.body!.safeParse(e.example);
        expect(parsed.success, `${name}: ${parsed.error?.message}`).toBe(true);
      }
      if (e.exampleQuery) {
        expect(e.query, `${name} has an example query but no query schema`).toBeDefined();
        const parsed = e.query!.safeParse(e.exampleQuery);
        expect(parsed.success, `${name}: ${parsed.error?.message}`).toBe(true);
      }
      const operation = document.paths[e.path][e.method.toLowerCase() as "get"]!;
      for (const p of operation.parameters?.filter((p) => p.in === "path") ?? []) expect(p.example, `${name} {${p.name}}`).toMatch(/\S/);
    }
  });

  it("derives path and query parameters, auth and errors from an endpoint object", () => {
    const sample: Endpoint = endpoint({
      method: "POST",
      path: "/api/v1/orgs/{org}/channels/{id}/poke",
      summary: "Poke a thing",
      tag: "Things",
      permission: "product:configure",
      query: z.object({ dryRun: z.enum(["1", "0"]).optional().describe("1 = do not send"), limit: z.coerce.number() }),
      body: z.object({ note: z.string().max(10) }),
      response: z.object({ poked: z.boolean() }),
      status: 202,
      example: { note: "hi" },
      errors: ["rate_limited"],
    });
    const op = buildOpenApiDocument([sample]).paths["/api/v1/orgs/{org}/channels/{id}/poke"].post!;
    expect(op.parameters?.map((p) => [p.in, p.name, p.required])).toEqual([
      ["path", "org", true],
      ["path", "id", true],
      ["query", "dryRun", false],
      ["query", "limit", true],
    ]);
    expect(op.parameters?.[2].description).toBe("1 = do not send");
    expect(op.description).toContain("product admin of that product");
    expect(op.requestBody?.content["application/json"].example).toEqual({ note: "hi" });
    expect(op.requestBody?.content["application/json"].schema).toMatchObject({ properties: { note: { maxLength: 10 } } });
    expect(Object.keys(op.responses)).toEqual(["202", "400", "401", "403", "404", "409", "413", "422", "429", "500", "503"]);
    expect(op.responses["401"]).toEqual({ $ref: "#/components/responses/Unauthorized" });
  });

  it("marks public endpoints as needing no authentication", () => {
    const op = buildOpenApiDocument().paths["/api/v1/openapi.json"].get!;
    expect(op.security).toEqual([]);
    expect(Object.keys(op.responses)).toEqual(["200", "500"]);
  });
});

describe("route coverage", () => {
  it("maps route folders to OpenAPI paths and reads exported methods", () => {
    const at = (...parts: string[]) => path.join(APP, ...parts, "route.ts");
    expect(openApiPathsOf(at("api", "v1", "orgs", "[org]", "channels", "[id]"))).toEqual(["/api/v1/orgs/{org}/channels/{id}"]);
    expect(openApiPathsOf(at("api", "(admin)", "files", "[...rest]"))).toEqual(["/api/files/{rest}"]);
    expect(openApiPathsOf(at("api", "docs", "[[...slug]]"))).toEqual(["/api/docs", "/api/docs/{slug}"]);
    expect(openApiPathsOf(at("api", "v1", "openapi.json"))).toEqual(["/api/v1/openapi.json"]);
    const source = `export const dynamic = "force-dynamic";
      export const GET = handle(a, b);
      export async function POST(req) {}
      const del = handle(c, d);
      export { del as DELETE };`;
    expect(exportedMethods(source)).toEqual(["GET", "POST", "DELETE"]);
  });

  it("every method of every app/api/v1 route file is described by an endpoint in ALL_ENDPOINTS", () => {
    expect(servedOperations(path.join(APP, "api", "v1")).size).toBeGreaterThan(0);
    expect(undescribedRoutes(ALL_ENDPOINTS), "routes without an endpoint object in lib/api/endpoints").toEqual([]);
  });

  it("names a route whose endpoint object is missing", () => {
    const withoutTheDocument = ALL_ENDPOINTS.filter((e) => e.path !== "/api/v1/openapi.json");
    expect(undescribedRoutes(withoutTheDocument)).toEqual(["GET /api/v1/openapi.json (app/api/v1/openapi.json/route.ts)"]);
  });

  it("every endpoint in ALL_ENDPOINTS is served by a route file", () => {
    const served = servedOperations(path.join(APP, "api"));
    const unserved = [...described].filter((operation) => !served.has(operation));
    expect(unserved, "endpoint objects without a route file that exports the method").toEqual([]);
  });
});
