import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { insertChannel, queueMany, startReceiver } from "@/lib/dispatch/test-support";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as dispatchRoute from "./route";
import * as metricsRoute from "../metrics/route";

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_DISPATCH_TOKEN = "dispatch-token-0123456789";

let db: Db;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const url = "http://127.0.0.1/api/dispatch";

beforeEach(async () => {
  db = await testDb();
  const orgId = (await seedOrg(db, "acme")).org.id;
  receiver = await startReceiver();
  const channelId = await insertChannel(db, orgId, { type: "webhook", settings: { url: receiver.url } });
  await queueMany(db, 25, { orgId, channelId });
});

afterEach(async () => {
  await receiver.close();
  await closeTestDb(db);
});

describe("POST /api/dispatch (HERALD_DISPATCH_TOKEN set)", () => {
  it.each([
    ["no Authorization header", undefined],
    ["a wrong token", "dispatch-token-wrong"],
    ["a prefix of the token", "dispatch-token"],
  ])("%s → 401 and nothing is sent", async (_name, token) => {
    const res = await call(dispatchRoute.POST, { method: "POST", url, token });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("unauthorized");
    expect(receiver.received).toHaveLength(0);
  });

  it("the right token dispatches what is due and answers with the counts", async () => {
    const res = await call(dispatchRoute.POST, { method: "POST", url: `${url}?maxMs=20000`, token: "dispatch-token-0123456789" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ claimed: 25, delivered: 25, retried: 0, failed: 0, dead: 0, released: 0, durationMs: expect.any(Number) });
    expect(receiver.received).toHaveLength(25);
    const again = await call(dispatchRoute.POST, { method: "POST", url, token: "dispatch-token-0123456789" });
    expect(again.json).toMatchObject({ claimed: 0, delivered: 0 });
  });

  it("a maxMs out of bounds gets 400 naming it", async () => {
    const res = await call(dispatchRoute.POST, { method: "POST", url: `${url}?maxMs=999999`, token: "dispatch-token-0123456789" });
    expect(res.status).toBe(400);
    expect(res.json.error.fields.maxMs).toBeDefined();
  });
});

describe("GET /api/metrics with HERALD_DISPATCH_TOKEN set", () => {
  it("needs the token", async () => {
    expect((await call(metricsRoute.GET, { url: "http://127.0.0.1/api/metrics" })).status).toBe(401);
    const res = await metricsRoute.GET(new Request("http://127.0.0.1/api/metrics", { headers: { authorization: "Bearer dispatch-token-0123456789" } }), {
      params: Promise.resolve({}),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("herald_queue_depth");
  });
});
