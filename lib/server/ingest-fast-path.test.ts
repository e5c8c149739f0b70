import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { products } from "@/db/schema";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { newId } from "@/lib/ids";
import { POST } from "@/app/api/v1/events/route";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { isFastIngest, serveFastIngest } from "./ingest-fast-path";

/**
 * `herald start` answers token-authenticated ingest itself; the route handler
 * answers it under `next dev` and for sessions. The two must be
 * indistinguishable to a producer: every case below goes to both, through a
 * real HTTP server for the fast path, and the answers must match.
 */

const db = await testDb();
const { org } = await seedOrg(db, "acme");
await db.insert(products).values({ id: newId("prd"), orgId: org.id, slug: "web-shop", name: "Web shop" });
const admin = (await insertApiToken(db, { orgId: org.id, name: "admin", role: "admin" })).token;
const read = (await insertApiToken(db, { orgId: org.id, name: "read", role: "read" })).token;

let server: http.Server;
let origin: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (isFastIngest(req)) void serveFastIngest(req, res);
    else res.writeHead(599).end(); // would have gone to Next.js
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await closeTestDb(db);
});

type Case = { name: string; token?: string; authorization?: string; body: (tag: string) => string };
const event = (tag: string, extra: object = {}) => ({ type: "deployment.failed", product: "web-shop", title: `Deploy ${tag} failed`, ...extra });
const json = (value: unknown) => JSON.stringify(value);

const CASES: Case[] = [
  { name: "one event", token: admin, body: (t) => json(event(t)) },
  { name: "a batch", token: admin, body: (t) => json([event(`${t}a`), { type: "log.entry", severity: "debug", title: `log ${t}` }]) },
  { name: "an org event given a product", token: admin, body: () => json({ type: "billing.credits_low", product: "web-shop", title: "x" }) },
  {
    name: "an unknown type and product in a batch",
    token: admin,
    body: () => json([event("x"), { type: "nope", title: "x" }, event("y", { product: "ghost" })]),
  },
  { name: "a missing title", token: admin, body: () => json({ type: "log.entry" }) },
  { name: "a wrong type of body", token: admin, body: () => json("hello") },
  { name: "1,001 events", token: admin, body: (t) => json(Array.from({ length: 1001 }, (_, i) => ({ type: "log.entry", title: `${t} ${i}` }))) },
  { name: "malformed JSON", token: admin, body: () => '{"type": ' },
  { name: "an empty body", token: admin, body: () => "  " },
  { name: "JSON nested 100 deep", token: admin, body: () => json({ type: "log.entry", title: "deep", data: JSON.parse("[".repeat(100) + "]".repeat(100)) }) },
  { name: "more than 1 MiB", token: admin, body: () => json({ type: "log.entry", title: "big", data: { blob: "x".repeat(1_100_000) } }) },
  { name: "a read token", token: read, body: (t) => json(event(t)) },
  { name: "an unknown token", token: "hrld_not-a-real-token-at-all-0000", body: (t) => json(event(t)) },
  { name: "a malformed authorization header", authorization: "Basic abc", body: (t) => json(event(t)) },
];

/** The parts of an answer a producer relies on (ids differ between two ingests by design). */
function shape(status: number, body: unknown) {
  const b = body as { events?: { id: string; deliveries: number; duplicate?: boolean }[]; error?: { code: string; message: string; fields?: unknown } };
  if (b.events) return { status, events: b.events.map((e) => ({ id: typeof e.id, deliveries: e.deliveries, duplicate: e.duplicate })) };
  // Internal errors carry a fresh reference; everything else must match word for word.
  return { status, error: b.error?.code === "internal" ? b.error.code : b.error };
}

async function viaFastPath(c: Case, body: string) {
  const authorization = c.authorization ?? `Bearer ${c.token}`;
  const res = await request(`${origin}/api/v1/events`, { method: "POST", headers: { authorization, "content-type": "application/json" }, body });
  return { status: res.statusCode, json: await res.body.json(), headers: res.headers };
}

function viaRoute(c: Case, body: string) {
  const headers = c.authorization ? { authorization: c.authorization } : undefined;
  return call(POST, { method: "POST", url: "http://127.0.0.1/api/v1/events", token: c.authorization ? undefined : c.token, rawBody: body, headers });
}

describe("the ingest fast path answers as the route handler does", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const fast = await viaFastPath(c, c.body(`fast ${c.name}`));
      const route = await viaRoute(c, c.body(`route ${c.name}`));
      expect(shape(fast.status, fast.json)).toEqual(shape(route.status, route.json));
      expect(fast.headers["content-type"]).toBe("application/json");
      expect(fast.headers["x-content-type-options"]).toBe("nosniff");
      expect(fast.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    });
  }

  it("a repeated id: 202 (as the first time) with the stored event, on either path, whichever stored it", async () => {
    const first = await viaFastPath({ name: "", token: admin, body: () => "" }, json(event("dup", { id: "deploy-42" })));
    expect(first.status).toBe(202);
    const again = await viaRoute({ name: "", token: admin, body: () => "" }, json(event("dup", { id: "deploy-42" })));
    const third = await viaFastPath({ name: "", token: admin, body: () => "" }, json(event("dup", { id: "deploy-42" })));
    expect(again.status).toBe(202);
    expect(third.status).toBe(202);
    expect((third.json as { events: { duplicate?: boolean }[] }).events[0].duplicate).toBe(true);
    expect(third.json).toEqual(again.json);
    expect((third.json as { events: { id: string }[] }).events[0].id).toBe((first.json as { events: { id: string }[] }).events[0].id);
  });

  it("keeps the connection usable after a refused body", async () => {
    const big = await viaFastPath(
      CASES.find((c) => c.name === "more than 1 MiB")!,
      CASES.find((c) => c.name === "more than 1 MiB")!.body("x"),
    );
    expect(big.status).toBe(413);
    const next = await viaFastPath(CASES[0], CASES[0].body("after 413"));
    expect(next.status).toBe(202);
  });
});

describe("which requests take the fast path", () => {
  const req = (method: string, url: string, authorization?: string) =>
    ({ method, url, headers: authorization ? { authorization } : {} }) as http.IncomingMessage;

  it("token-authenticated POSTs to /api/v1/events, with or without a query string", () => {
    expect(isFastIngest(req("POST", "/api/v1/events", "Bearer x"))).toBe(true);
    expect(isFastIngest(req("POST", "/api/v1/events?source=ci", "Bearer x"))).toBe(true);
  });

  it("everything else goes to Next.js: sessions, other methods and paths", () => {
    expect(isFastIngest(req("POST", "/api/v1/events"))).toBe(false); // a session cookie: Next checks it and the Origin
    expect(isFastIngest(req("GET", "/api/v1/events", "Bearer x"))).toBe(false);
    expect(isFastIngest(req("POST", "/api/v1/events/", "Bearer x"))).toBe(false);
    expect(isFastIngest(req("POST", "/api/v1/eventsX", "Bearer x"))).toBe(false);
    expect(isFastIngest(req("POST", "/api/v1/orgs/acme/events", "Bearer x"))).toBe(false);
  });
});
