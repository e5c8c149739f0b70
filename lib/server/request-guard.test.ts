import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { loadEnv } from "@/lib/env";
import { CLIENT_ADDRESS_HEADER } from "@/lib/net/client-address";
import { guardRequest } from "./request-guard";

/**
 * Issue #15, item 6: what `herald start` does before Next sees a request, on
 * a real HTTP server on 127.0.0.1 whose "Next" echoes what reached it.
 */

const servers: http.Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function serve(vars: Record<string, string> = {}) {
  const env = loadEnv({ HERALD_DATA_DIR: process.env.HERALD_DATA_DIR, ...vars });
  const server = http.createServer((incoming, res) => {
    void guardRequest(incoming, res, env).then(async (req) => {
      if (!req) return;
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) size += chunk.byteLength;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ headers: req.headers, size }));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const action = (url: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${url}/o/acme/notifications`, {
    method: "POST",
    headers: { "next-action": "abc", "content-type": "text/plain;charset=UTF-8", origin: url, ...headers },
    body,
    ...({ duplex: "half" } as object),
  });

describe("the request guard of herald start", () => {
  it("drops forwarding headers from a client unless HERALD_TRUST_PROXY=1, and passes the socket's address on", async () => {
    const url = await serve();
    const res = await fetch(url, {
      headers: { "x-forwarded-host": "evil.example", "x-forwarded-for": "203.0.113.9", forwarded: "host=evil.example", [CLIENT_ADDRESS_HEADER]: "203.0.113.9" },
    });
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers["x-forwarded-host"]).toBeUndefined();
    expect(headers.forwarded).toBeUndefined();
    expect(headers[CLIENT_ADDRESS_HEADER]).toBe("127.0.0.1");
  });

  it("behind a trusted proxy, keeps them and takes the address the proxy appended", async () => {
    const url = await serve({ HERALD_TRUST_PROXY: "1" });
    const res = await fetch(url, { headers: { "x-forwarded-host": "herald.example", "x-forwarded-for": "198.51.100.1, 203.0.113.9" } });
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers["x-forwarded-host"]).toBe("herald.example");
    expect(headers[CLIENT_ADDRESS_HEADER]).toBe("203.0.113.9");
  });

  it("sends HSTS only when the public URL is https", async () => {
    expect((await fetch(await serve({ HERALD_PUBLIC_URL: "https://herald.example" }))).headers.get("strict-transport-security")).toMatch(/max-age=\d{7,}/);
    expect((await fetch(await serve())).headers.get("strict-transport-security")).toBeNull();
  });

  it("a server action: 413 over 1 MiB (declared or streamed), 403 for Origin null, 422 for a raw $-reference, plain data passes", async () => {
    const url = await serve();
    expect((await action(url, JSON.stringify(["x".repeat(10 * 1024 * 1024)]))).status).toBe(413);
    let n = 0;
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => (n++ < 12 ? c.enqueue(new Uint8Array(1024 * 1024).fill(120)) : c.close()) });
    expect((await action(url, stream)).status).toBe(413);
    const crossOrigin = await action(url, "[{}]", { origin: "null" });
    expect(crossOrigin.status).toBe(403);
    // Answered here, not by Next: with the security headers every other answer carries.
    expect(crossOrigin.headers.get("x-content-type-options")).toBe("nosniff");
    expect(crossOrigin.headers.get("x-frame-options")).toBe("DENY");
    expect(await crossOrigin.json()).toEqual({ error: { code: "forbidden", message: "Cross-origin request refused" } });
    expect((await action(url, "[{}]", { origin: "http://evil.example" })).status).toBe(403);
    for (const arg of ["$Q1", "$@1", "$K1", "$1", "$F1", "$T"]) expect((await action(url, JSON.stringify([{ name: arg }]))).status, arg).toBe(422);
    const plain = await action(url, JSON.stringify([{ name: "$$5 off", when: "$D2026-01-01T00:00:00.000Z", gone: "$undefined" }]));
    expect(plain.status).toBe(200);
    expect(((await plain.json()) as { size: number }).size).toBeGreaterThan(10);
  });
});
