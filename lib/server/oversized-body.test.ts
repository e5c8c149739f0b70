import { execFile } from "node:child_process";
import fs from "node:fs";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { loadEnv } from "@/lib/env";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { createHeraldServer } from "./http-server";

/**
 * A body over the 1 MiB limit, as a producer posts it with curl (the new-user
 * trial of session 14: a 3 MB batch got "Send failure: Broken pipe" and no
 * answer, where the docs promise a 413). The server of `herald start` — guard,
 * ingest fast path, and a stand-in for Next.js that reads what it is given —
 * on 127.0.0.1; the client is the real curl.
 */

const run = promisify(execFile);
/** Before the fix, about one post in three was reset against `herald start`. */
const ROUNDS = 10;
const db = await testDb();
const { org } = await seedOrg(db, "acme");
const token = (await insertApiToken(db, { orgId: org.id, name: "ci", role: "admin" })).token;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-oversized-"));
const bigFile = path.join(dir, "big.json");
fs.writeFileSync(bigFile, JSON.stringify({ type: "log.entry", title: "big", data: { blob: "x".repeat(3_000_000) } }));

let server: http.Server;
let origin: string;
const nextSaw: string[] = [];
beforeAll(async () => {
  server = createHeraldServer(loadEnv({ HERALD_DATA_DIR: process.env.HERALD_DATA_DIR }), (req, res) => {
    nextSaw.push(req.url ?? "");
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await closeTestDb(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** curl's exit code, the status and the body it printed. */
async function curlPost(pathname: string, headers: string[], auth = `Bearer ${token}`) {
  const args = ["-sS", "-X", "POST", `${origin}${pathname}`, "-H", `authorization: ${auth}`, "-H", "content-type: application/json"];
  for (const h of headers) args.push("-H", h);
  args.push("--data-binary", `@${bigFile}`, "-w", "\n%{http_code}", "--max-time", "30");
  try {
    const { stdout } = await run("curl", args, { maxBuffer: 1 << 20 });
    const lines = stdout.trimEnd().split("\n");
    return { exit: 0, status: Number(lines.pop()), body: lines.join("\n") };
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    return { exit: err.code ?? -1, status: 0, body: err.stderr ?? "" };
  }
}

describe("a body over the limit gets a 413 the client can read", () => {
  it.each([
    ["asking first (Expect: 100-continue)", ["expect: 100-continue"]],
    ["sent at once", ["expect:"]],
    ["sent in chunks, its length not declared", ["expect:", "transfer-encoding: chunked"]],
  ])("ingest, %s", async (_name, headers) => {
    // Whether the client reads the answer before a reset reaches it is a race: it is run several times.
    for (let round = 0; round < ROUNDS; round++) {
      const res = await curlPost("/api/v1/events", headers);
      expect(res, `round ${round}`).toMatchObject({ exit: 0, status: 413 });
      expect(JSON.parse(res.body)).toEqual({ error: { code: "payload_too_large", message: "The body is larger than 1 MiB" } });
    }
  });

  it("ingest with an unknown token, the body's length not declared: the 401, not a reset", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const res = await curlPost("/api/v1/events", ["expect:", "transfer-encoding: chunked"], "Bearer hrld_not-a-real-token-at-all-0000");
      expect(res, `round ${round}`).toMatchObject({ exit: 0, status: 401 });
    }
  });

  it("any other route: refused before Next.js sees it, and the connection serves the next request", async () => {
    const res = await curlPost("/api/v1/orgs/acme/products", ["expect:"]);
    expect(res).toMatchObject({ exit: 0, status: 413 });
    expect(JSON.parse(res.body).error.code).toBe("payload_too_large");
    expect(nextSaw).toEqual([]);
    const small = await fetch(`${origin}/api/v1/orgs/acme/products`, { method: "POST", body: "{}" });
    expect(small.status).toBe(200);
    expect(nextSaw).toEqual(["/api/v1/orgs/acme/products"]);
  });
});
