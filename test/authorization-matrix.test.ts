import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { can, type Permission, type Principal } from "@/lib/auth/permissions";
import type { Endpoint } from "@/lib/api/endpoint";
import { startReceiver, useTestEnvironment } from "@/lib/channels/testing/receivers";
import { catchRequestEndpoint } from "@/lib/catcher/endpoint";
import { ALL_ENDPOINTS } from "@/lib/api/endpoints";
import { APP, callRoute, discoverRoutes, isErrorShape, pathParams, type RouteOperation } from "./routes";
import { changedTables, paramsOf, seededTemplate, snapshotRows, validBodyOf, type SeededOrg } from "./two-orgs";

/**
 * The authorization matrix, generated: every route handler under app/api is
 * found in the file tree, paired with its endpoint object (the permission it
 * declares), and called directly with every kind of caller — anonymous, a
 * forged or revoked token, read / admin / product-admin tokens of the org in
 * the URL, an admin token of another org — and with another org's ids. A
 * refused call answers 401/403/404 in the API's error shape and leaves every
 * row of the database as it was. A route nobody describes, or one that lets
 * everybody in without being on the public list below, fails the test.
 */

const DISPATCH_TOKEN = "hardening-dispatch-token-0123456789";
useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "1", HERALD_DISPATCH_TOKEN: DISPATCH_TOKEN, SMTP_URL: "smtp://127.0.0.1:9" });

/** Routes that take no API token, each with why and the guard they have instead (checked below). */
const PUBLIC_ROUTES: Record<string, { reason: string; check: (op: RouteOperation, seed: Seed) => Promise<void> }> = {
  "GET /api/v1/openapi.json": {
    reason: "the API's own description: no data of any org",
    check: async (op) => {
      const res = await callRoute(op, { params: {} });
      expect(res.status).toBe(200);
      expect(res.text).not.toMatch(/hrld_[A-Za-z0-9_-]{20}/);
    },
  },
  "GET /api/health": {
    reason: "liveness probe for load balancers: answers ok/unavailable only",
    check: async (op) => {
      const res = await callRoute(op, { params: {} });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ status: "ok", checks: { storage: { ok: true } } });
    },
  },
  "POST /api/dispatch": {
    reason: "operator route for an external scheduler: guarded by HERALD_DISPATCH_TOKEN, not by org tokens",
    check: async (op, seed) => {
      expect((await callRoute(op, { params: {} })).status).toBe(401);
      expect((await callRoute(op, { params: {}, token: seed.a.tokens.admin })).status).toBe(401);
      expect((await callRoute(op, { params: {}, token: `${DISPATCH_TOKEN}x` })).status).toBe(401);
      expect((await callRoute(op, { params: {}, token: DISPATCH_TOKEN, query: "maxMs=500" })).status).toBe(200);
    },
  },
  "GET /api/metrics": {
    reason: "Prometheus scrape: needs HERALD_DISPATCH_TOKEN when that is set (open otherwise, documented)",
    check: async (op, seed) => {
      expect((await callRoute(op, { params: {} })).status).toBe(401);
      expect((await callRoute(op, { params: {}, token: seed.a.tokens.admin })).status).toBe(401);
      expect((await callRoute(op, { params: {}, token: DISPATCH_TOKEN })).status).toBe(200);
    },
  },
  "POST /catch/{token}": {
    reason:
      "a request catcher's public address: the unguessable token is the credential; it only stores (bounded) what is posted, and answers nothing but the new id",
    check: async (op, seed) => {
      // An org token opens nothing here: an unknown or malformed token is 404 whoever calls.
      for (const token of ["A".repeat(32), "short"]) {
        const res = await callRoute(op, { params: { token }, token: seed.a.tokens.admin, rawBody: "{}" });
        expect(res.status).toBe(404);
        expect(isErrorShape(res.json)).toBe(true);
      }
      const { db } = await import("@/db/client");
      const { createCatcher } = await import("@/lib/catcher/catchers");
      const catcher = await createCatcher(db(), seed.a.id, { type: "system", label: "matrix" }, { name: "matrix" });
      const res = await callRoute(op, { params: { token: catcher.url.split("/catch/")[1] }, rawBody: '{"x":1}' });
      expect(res.status).toBe(200);
      expect(Object.keys(res.json as object)).toEqual(["caught"]);
    },
  },
};

/** Route folders that are not Herald's API: next-auth's own sign-in endpoints. */
const NOT_API = [path.join(APP, "api", "auth")];

type Seed = { a: SeededOrg; b: SeededOrg };

const receiver = await startReceiver();
const seeded = await seededTemplate(receiver.url());
const seed: Seed = seeded.seed;
const freshDb = () => seeded.fresh();

afterAll(async () => {
  await seeded.close();
  await receiver.close();
});

const discovered = [
  ...(await discoverRoutes(path.join(APP, "api"))).filter((r) => !NOT_API.some((dir) => path.join(process.cwd(), r.file).startsWith(dir))),
  // Outside /api: the request catcher's public address (not part of the OpenAPI document).
  ...(await discoverRoutes(path.join(APP, "catch"), [...ALL_ENDPOINTS, catchRequestEndpoint])),
];

type Caller = {
  name: string;
  token?: string;
  /** The principal `can()` is asked about; undefined for callers that must get 401. */
  principal?: Principal;
};

function tokenPrincipal(org: SeededOrg, role: "admin" | "read" | "product-admin", productIds: string[] = []): Principal {
  return { kind: "token", tokenId: "t", name: role, orgId: org.id, role, productIds: new Set(productIds) };
}

const callers: Caller[] = [
  { name: "anonymous" },
  { name: "a forged token", token: "hrld_forged-token-that-was-never-issued" },
  { name: "a revoked admin token", token: seed.a.tokens.revoked },
  { name: "a read token", token: seed.a.tokens.read, principal: tokenPrincipal(seed.a, "read") },
  { name: "an admin token", token: seed.a.tokens.admin, principal: tokenPrincipal(seed.a, "admin") },
  { name: "the product's admin token", token: seed.a.tokens.productAdmin, principal: tokenPrincipal(seed.a, "product-admin", [seed.a.product.id]) },
  {
    name: "another product's admin token",
    token: seed.a.tokens.otherProductAdmin,
    principal: tokenPrincipal(seed.a, "product-admin", [seed.a.otherProduct.id]),
  },
  { name: "an admin token of another org", token: seed.b.tokens.admin, principal: tokenPrincipal(seed.b, "admin") },
];

const isProductScoped = (op: RouteOperation) => pathParams(op.path).some((p) => p.name === "product" || p.name === "app");
const hasOrg = (op: RouteOperation) => pathParams(op.path).some((p) => p.name === "org");
const hasIds = (op: RouteOperation) => pathParams(op.path).some((p) => p.name !== "org");

function bodyOf(op: RouteOperation): unknown {
  return validBodyOf(op, seed.a);
}

/** What the caller must get: 401, 404 (another org), 403 (`can()` says no), or in. */
function expected(op: RouteOperation, endpoint: Endpoint, caller: Caller): 401 | 403 | 404 | "allowed" {
  if (!caller.principal) return 401;
  // `/api/v1/apps/{app}` takes the org from the token: another org has no such app.
  if (caller.principal.orgId !== seed.a.id && (hasOrg(op) || isProductScoped(op))) return 404;
  const productId = isProductScoped(op) ? seed.a.product.id : undefined;
  return can(caller.principal, endpoint.permission as Permission, productId) ? "allowed" : 403;
}

describe("every route handler under app/api (and app/catch)", () => {
  it("is found (the discovery can fail)", () => {
    expect(discovered.length).toBeGreaterThan(10);
    expect(discovered.map((r) => r.op)).toContain("POST /api/v1/events");
    expect(discovered.map((r) => r.op)).toContain("POST /catch/{token}");
  });

  it.each(discovered.map((r) => [r.op, r] as const))("%s is described by an endpoint object", (_, op) => {
    expect(op.endpoint, `${op.op} (${op.file}) has no endpoint object in ALL_ENDPOINTS (lib/api/endpoints/)`).toBeDefined();
  });

  it.each(discovered.map((r) => [r.op, r] as const))("%s needs a token, or is on the public list with its own guard", async (_, op) => {
    if (op.endpoint?.permission) return expect(PUBLIC_ROUTES[op.op], `${op.op} declares a permission; take it off PUBLIC_ROUTES`).toBeUndefined();
    const entry = PUBLIC_ROUTES[op.op];
    expect(entry, `${op.op} (${op.file}) lets any caller in: give its endpoint a permission, or add it to PUBLIC_ROUTES with a reason`).toBeDefined();
    await freshDb();
    await entry.check(op, seed);
  });
});

const guarded = discovered.filter((op) => op.endpoint?.permission);

/** Runs one call and lists what is wrong with its answer (empty when it is right). */
async function problemsOf(op: RouteOperation, endpoint: Endpoint, caller: Caller, ids: SeededOrg): Promise<string[]> {
  const db = await freshDb();
  const before = await snapshotRows(db);
  const res = await callRoute(op, { params: paramsOf(op.path, seed.a, ids), token: caller.token, body: bodyOf(op) });
  const written = changedTables(before, await snapshotRows(db));
  const wrote = () => written;
  const problems: string[] = [];
  const fail = (why: string) =>
    problems.push(`${op.op} with ${caller.name}${ids === seed.a ? "" : " and another org's ids"}: ${why} (got ${res.status} ${res.text.slice(0, 300)})`);
  if (res.status >= 500) fail("a server error");
  const want = expected(op, endpoint, caller);
  if (ids !== seed.a && hasIds(op)) {
    // Another org's ids: a caller who may use the route gets 404, one who may not 403 or 404.
    if (!(want === "allowed" || want === 403 ? [404, want === 403 ? 403 : 404] : [want]).includes(res.status)) fail("expected 404");
    if (!isErrorShape(res.json)) fail("no error shape");
    if (wrote().length) fail(`it wrote to ${wrote().join(", ")}`);
    return problems;
  }
  if (want !== "allowed") {
    if (res.status !== want) fail(`expected ${want}`);
    if (!isErrorShape(res.json)) fail("no error shape");
    if (wrote().length) fail(`a refused call wrote to ${wrote().join(", ")}`);
    return problems;
  }
  const principal = caller.principal!;
  if (res.status === 401) fail("a valid token was not recognised");
  if (res.status === 403 && can(principal, "org:configure")) fail("an org admin is never refused");
  if (op.method === "GET" && res.status >= 300) fail("a permitted read answers 2xx");
  if (op.method !== "GET" && principal.kind === "token" && principal.role === "read") {
    if (res.status < 400) fail("a read token changes nothing");
    if (wrote().length) fail(`a read token wrote to ${wrote().join(", ")}`);
  }
  if (isProductScoped(op) && op.method !== "GET" && !can(principal, "product:configure", seed.a.product.id) && res.status < 400) {
    fail("only the product's admins change it");
  }
  if (isProductScoped(op) && endpoint.permission === "product:configure" && principal.productIds.has(seed.a.product.id) && res.status === 403) {
    fail("the product's own admin was refused");
  }
  return problems;
}

describe.each(guarded.map((op) => [op.op, op] as const))("%s", (_, op) => {
  it.each(callers.map((c) => [c.name, c] as const))("with %s", async (_, caller) => {
    expect(await problemsOf(op, op.endpoint!, caller, seed.a)).toEqual([]);
  });

  if (hasIds(op)) {
    it.each(callers.filter((c) => c.principal?.orgId === seed.a.id).map((c) => [c.name, c] as const))(
      "with %s and another org's ids: 404 (or 403), nothing written",
      async (_, caller) => {
        expect(await problemsOf(op, op.endpoint!, caller, seed.b)).toEqual([]);
      },
    );
  }
});

/** Input every query schema refuses somewhere: each of its parameters as a non-number, non-enum, over-long value. */
function badQueryOf(endpoint: Endpoint | undefined): string {
  const shape = (endpoint?.query as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
  const keys = [...Object.keys(shape), "limit", "org"];
  return keys.map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(`abc-${"x".repeat(600)}`)}`).join("&");
}

/** Routes anyone may call without credentials (nothing to check first). */
const OPEN_ROUTES = new Set(["GET /api/v1/openapi.json", "GET /api/health", "POST /catch/{token}"]);

describe("credentials are checked before input", () => {
  const closed = discovered.filter((op) => !OPEN_ROUTES.has(op.op));
  it.each(closed.map((op) => [op.op, op] as const))("%s: anonymous with bad input, for a real and an unknown org, answers 401", async (_, op) => {
    await freshDb();
    for (const params of [paramsOf(op.path, seed.a, seed.a), { ...paramsOf(op.path, seed.a, seed.a), org: "no-such-org", app: "no-such-app" }]) {
      const res = await callRoute(op, { params, query: badQueryOf(op.endpoint), rawBody: op.method === "GET" ? undefined : "{not json" });
      expect(res.status, `${op.op} ${JSON.stringify(params)}: ${res.text.slice(0, 200)}`).toBe(401);
      expect(isErrorShape(res.json)).toBe(true);
    }
  });

  it("the bad input is bad: with a valid token it is refused as input", async () => {
    const list = discovered.find((op) => op.op === "GET /api/v1/orgs/{org}/deliveries")!;
    await freshDb();
    const res = await callRoute(list, { params: paramsOf(list.path, seed.a), token: seed.a.tokens.admin, query: "limit=abc" });
    expect(res.status).toBe(400);
  });

  it("the operator token is enforced by the wrapper, not by the route remembering to", async () => {
    const { handle } = await import("@/lib/api/handler");
    const { dispatchEndpoint, metricsEndpoint } = await import("@/lib/api/endpoints/deliveries");
    for (const e of [dispatchEndpoint, metricsEndpoint]) {
      const forgetful = handle(e, () => ({ ran: true }));
      const op = { method: e.method, path: e.path, handler: forgetful };
      expect((await callRoute(op, { params: {} })).status).toBe(401);
      expect((await callRoute(op, { params: {}, token: seed.a.tokens.admin })).status).toBe(401);
      expect((await callRoute(op, { params: {}, token: DISPATCH_TOKEN })).status).toBe(200);
    }
  });
});

describe("the matrix itself", () => {
  const readToken = callers.find((c) => c.name === "a read token")!;
  const otherOrgAdmin = callers.find((c) => c.name === "an admin token of another org")!;
  const create = guarded.find((op) => op.op === "POST /api/v1/orgs/{org}/products")!;

  it("catches a write route built with a read endpoint (a read token gets in)", async () => {
    const { handle } = await import("@/lib/api/handler");
    const { createProduct } = await import("@/lib/accounts/products");
    const { db } = await import("@/db/client");
    const lax = handle({ ...create.endpoint!, permission: "org:read" }, async ({ org, body }) => ({
      product: await createProduct(db(), org.id, { type: "system", label: "t" }, body as { name: string }),
    }));
    expect(await problemsOf({ ...create, handler: lax }, create.endpoint!, readToken, seed.a)).not.toEqual([]);
  });

  it("catches a route that looks rows up without the org (another org's id gets through)", async () => {
    const channelItem = guarded.find((op) => op.op === "GET /api/v1/orgs/{org}/channels/{id}")!;
    const { handle } = await import("@/lib/api/handler");
    const { db, rowsOf } = await import("@/db/client");
    const { sql } = await import("drizzle-orm");
    const leaky = handle(channelItem.endpoint!, async ({ params }) => ({
      channel: (await rowsOf(db(), sql`SELECT id, name FROM channels WHERE id = ${params.id}`))[0],
    }));
    const admin = callers.find((c) => c.name === "an admin token")!;
    expect(await problemsOf({ ...channelItem, handler: leaky }, channelItem.endpoint!, admin, seed.b)).not.toEqual([]);
  });

  it("catches a route that ignores the org in the URL", async () => {
    const { authorizeRequest } = await import("@/lib/auth/authorize");
    const lax = async (req: Request) => {
      await authorizeRequest(req, undefined, "org:configure");
      return Response.json({ product: { id: "x" } }, { status: 201 });
    };
    expect(await problemsOf({ ...create, handler: lax }, create.endpoint!, otherOrgAdmin, seed.a)).not.toEqual([]);
  });
});
