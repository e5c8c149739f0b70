import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { products } from "@/db/schema";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as collection from "./route";
import * as item from "./[product]/route";

let db: Db;
let tokens: Record<"admin" | "read" | "otherOrg", string>;
const url = "http://127.0.0.1/api/v1/orgs/acme/products";
const params = { org: "acme" };

beforeEach(async () => {
  db = await testDb();
  const { org } = await seedOrg(db, "acme");
  const other = (await seedOrg(db, "globex")).org;
  tokens = {
    admin: (await insertApiToken(db, { orgId: org.id, name: "ci", role: "admin" })).token,
    read: (await insertApiToken(db, { orgId: org.id, name: "dash", role: "read" })).token,
    otherOrg: (await insertApiToken(db, { orgId: other.id, name: "globex-ci", role: "admin" })).token,
  };
});
afterEach(() => closeTestDb(db));

describe("products API: who may do what", () => {
  it.each([
    ["no token", undefined, 401, 401],
    ["a malformed token", "nope", 401, 401],
    ["a read token", "read", 200, 403],
    ["an admin token", "admin", 200, 201],
    ["an admin token of another org", "otherOrg", 404, 404],
  ] as const)("%s → GET %i, POST %i", async (_name, which, getStatus, postStatus) => {
    const token = which === undefined ? undefined : which in tokens ? tokens[which as keyof typeof tokens] : which;
    const list = await call(collection.GET, { url, token, params });
    expect(list.status).toBe(getStatus);
    const created = await call(collection.POST, { method: "POST", url, token, params, body: { name: "Web Shop" } });
    expect(created.status).toBe(postStatus);
    if (postStatus !== 201) {
      expect(created.json.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect(await db.select().from(products)).toHaveLength(0);
    }
  });
});

describe("products API: bad input", () => {
  it("creates with a derived slug, then refuses the same slug with 409 naming the field", async () => {
    const first = await call(collection.POST, { method: "POST", url, token: tokens.admin, params, body: { name: "Web Shop" } });
    expect(first.json.product).toMatchObject({ slug: "web-shop", name: "Web Shop" });
    const again = await call(collection.POST, { method: "POST", url, token: tokens.admin, params, body: { name: "x", slug: "web-shop" } });
    expect(again.status).toBe(409);
    expect(again.json.error.fields.slug).toBeDefined();
  });

  it("an invalid slug gets 422 naming the field", async () => {
    const res = await call(collection.POST, { method: "POST", url, token: tokens.admin, params, body: { name: "x", slug: "Not A Slug" } });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("validation_failed");
    expect(Object.keys(res.json.error.fields)).toEqual(["slug"]);
  });

  it("malformed JSON gets 400 and an oversized body 413", async () => {
    const bad = await call(collection.POST, { method: "POST", url, token: tokens.admin, params, rawBody: "{nope" });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/not valid JSON/);
    const big = await call(collection.POST, { method: "POST", url, token: tokens.admin, params, body: { name: "x", pad: "a".repeat(1024 * 1024) } });
    expect(big.status).toBe(413);
  });

  it("an unknown product gets 404; rename and delete work", async () => {
    await call(collection.POST, { method: "POST", url, token: tokens.admin, params, body: { name: "Web Shop" } });
    const missing = await call(item.GET, { url, token: tokens.read, params: { ...params, product: "nope" } });
    expect(missing.status).toBe(404);
    const renamed = await call(item.PATCH, { method: "PATCH", url, token: tokens.admin, params: { ...params, product: "web-shop" }, body: { name: "Shop" } });
    expect(renamed.json.product.name).toBe("Shop");
    const deleted = await call(item.DELETE, { method: "DELETE", url, token: tokens.admin, params: { ...params, product: "web-shop" } });
    expect(deleted.status).toBe(204);
    expect(await db.select().from(products)).toHaveLength(0);
  });
});
