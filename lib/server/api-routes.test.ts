import type http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "@/lib/env";
import { createHeraldServer } from "./http-server";

/**
 * Session 14's trial: `GET /api/v1/events` got a 405 with an empty body and no
 * `Allow`; a mistyped API path got the console's HTML "not found" page. The
 * server of `herald start` on 127.0.0.1, with a stand-in for Next.js that says
 * what reached it.
 */

let server: http.Server;
let origin: string;
beforeAll(async () => {
  server = createHeraldServer(loadEnv({ HERALD_DATA_DIR: process.env.HERALD_DATA_DIR }), (req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "text/plain" }).end("next"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const call = (path: string, method = "GET", body?: string) =>
  fetch(origin + path, { method, body, headers: body ? { "content-type": "application/json" } : {} });

describe("what no API route takes", () => {
  it("a method the path does not take: 405 in the API's error shape, Allow naming what it takes", async () => {
    const res = await call("/api/v1/events");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.json()).toEqual({ error: { code: "method_not_allowed", message: "GET is not allowed on /api/v1/events; it takes POST" } });

    const put = await call("/api/v1/orgs/acme/channels?x=1", "PUT", "{}");
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")?.split(", ").sort()).toEqual(["GET", "POST"]);
    // A fixed segment is its own route, not the parameter beside it ({id}, which takes GET).
    const replay = await call("/api/v1/orgs/acme/deliveries/replay");
    expect([replay.status, replay.headers.get("allow")]).toEqual([405, "POST"]);
  });

  it("an unknown API path: a JSON 404 that says where the operations are listed", async () => {
    const res = await call("/api/v1/orgs/acme/channel");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "not_found", message: "There is no API operation at /api/v1/orgs/acme/channel; the operations are listed at /api/v1/openapi.json" },
    });
  });

  it("everything a route takes reaches Next.js: the right methods, HEAD and OPTIONS, a trailing slash, paths outside /api/v1", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/orgs/acme/channels"],
      ["POST", "/api/v1/orgs/acme/channels"],
      ["DELETE", "/api/v1/orgs/acme/channels/ch_1"],
      ["POST", "/api/v1/orgs/acme/deliveries/d_1/retry"],
      ["GET", "/api/v1/openapi.json"],
      ["HEAD", "/api/v1/events"],
      ["OPTIONS", "/api/v1/events"],
      ["GET", "/api/v1/orgs/acme/channels/"],
      ["GET", "/api/auth/session"],
      ["GET", "/o/acme/notifications"],
    ]) {
      const res = await call(path, method, method === "POST" ? "{}" : undefined);
      expect(res.status, `${method} ${path}`).toBe(200);
      if (method !== "HEAD") expect(await res.text(), `${method} ${path}`).toBe("next");
    }
  });
});
