import http from "node:http";
import type { AddressInfo } from "node:net";
import { posterThrough } from "@/lib/net/post";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/catch/[token]/route";
import type { Db } from "@/db/client";
import { catchers, caughtRequests } from "@/db/schema";
import { createChannel, getChannel } from "@/lib/channels/service";
import type { Actor } from "@/lib/auth/permissions";
import { sendChannelTest } from "@/lib/channels/test-send";
import { postJson } from "@/lib/channels/http";
import { useTestEnvironment } from "@/lib/channels/testing/receivers";
import { createGuardedAgent } from "@/lib/net/guarded-agent";
import { setOutboundAgent } from "@/lib/net/outbound";
import { createChannelSchema } from "@/lib/validation/channels";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { CATCHER_LIMITS, createCatcher, deleteCatcher, getCatcher, listCatchers, listCaughtRequests, setCatcherChannel } from "./catchers";

/**
 * The request catcher end to end below the browser: a real HTTP server on
 * 127.0.0.1 serving the real `/catch/{token}` route handler, the real
 * database, and sends through the real outbound guard — with private targets
 * NOT allowed, so only the guard's exception for this instance's own
 * `/catch/` URLs lets the catcher's deliveries through.
 */

const actor: Actor = { type: "system", label: "test" };
/** Requests that reached the server on any other path (the guard must never let one through). */
const otherPaths: string[] = [];

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const match = /^\/catch\/([^/?]*)$/.exec(req.url ?? "");
    if (!match || req.method !== "POST") {
      otherPaths.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const request = new Request(`http://127.0.0.1${req.url}`, { method: "POST", headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    void POST(request, { params: Promise.resolve({ token: decodeURIComponent(match[1]) }) }).then(async (response) => {
      res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "text/plain" });
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

let db: Db;
let orgA: string;
let orgB: string;

beforeAll(async () => {
  // Before anything reads env(): this server is the public URL, and private targets stay refused.
  useTestEnvironment({ HERALD_PUBLIC_URL: base, HERALD_ALLOW_PRIVATE_TARGETS: "0" });
  setOutboundAgent(undefined);
  db = await testDb();
  orgA = (await seedOrg(db, "acme")).org.id;
  orgB = (await seedOrg(db, "other")).org.id;
});
afterAll(async () => {
  await closeTestDb(db);
  await new Promise((resolve) => server.close(resolve));
});

const postTo = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

describe("a catcher with its own webhook channel", () => {
  it("shows a test sent through the guarded path, with a valid signature, to its org only", async () => {
    const catcher = await createCatcher(db, orgA, actor, { name: "First try", createChannel: true });
    expect(catcher.url).toMatch(new RegExp(`^${base}/catch/[A-Za-z0-9_-]{32}$`));
    const channel = await getChannel(db, orgA, catcher.channelId!);
    // The catcher's token is a credential in the URL: the channel shows it as a hint only (issue #19 §4).
    expect(channel).toMatchObject({ type: "webhook", url: { configured: true, hint: expect.stringContaining("/catch/") } });
    expect(JSON.stringify(channel)).not.toContain(catcher.url.split("/catch/")[1]);

    const result = await sendChannelTest(db, orgA, channel.id);
    expect(result).toMatchObject({ ok: true, status: 200 });

    const [caught] = await listCaughtRequests(db, orgA, catcher.id);
    expect(caught).toMatchObject({ method: "POST", signature: { status: "valid" } });
    expect(caught.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(JSON.parse(caught.body)[0]).toMatchObject({ type: "herald.test", org: "acme" });

    // Another org sees neither the catcher nor what it caught, nor can it point it elsewhere or delete it.
    await expect(listCaughtRequests(db, orgB, catcher.id)).rejects.toMatchObject({ status: 404 });
    await expect(getCatcher(db, orgB, catcher.id)).rejects.toMatchObject({ status: 404 });
    await expect(setCatcherChannel(db, orgB, catcher.id, null)).rejects.toMatchObject({ status: 404 });
    await expect(deleteCatcher(db, orgB, actor, catcher.id)).rejects.toMatchObject({ status: 404 });
    expect(await listCatchers(db, orgB)).toEqual([]);
    // …nor check signatures with another org's channel.
    const foreign = await createCatcher(db, orgB, actor, { name: "theirs" });
    await expect(setCatcherChannel(db, orgB, foreign.id, channel.id)).rejects.toMatchObject({ status: 422 });
  });
});

describe("the signature check", () => {
  it("is valid for Herald's signature, invalid for another secret, a changed body or an old timestamp, and says when unsigned", async () => {
    const catcher = await createCatcher(db, orgA, actor, { name: "Signatures", createChannel: true });
    const { signingSecret } = await import("@/lib/channels/service").then((m) => m.loadSendableChannel(db, catcher.channelId!)).then((c) => c!.secrets);
    const body = '[{"id":"evt_1","type":"deployment.failed"}]';
    const signed = (secret: string, payload: string, at = new Date()) => ({
      "webhook-id": "msg_1",
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign("msg_1", at, payload),
    });
    const other = "whsec_" + Buffer.from("another secret of 32 bytes......").toString("base64");
    await postTo(catcher.url, body, signed(signingSecret, body));
    await postTo(catcher.url, body, signed(other, body));
    await postTo(catcher.url, body.replace("failed", "succeeded"), signed(signingSecret, body));
    await postTo(catcher.url, body, signed(signingSecret, body, new Date(Date.now() - 10 * 60_000)));
    await postTo(catcher.url, body);
    const checks = (await listCaughtRequests(db, orgA, catcher.id)).reverse().map((r) => r.signature.status);
    expect(checks).toEqual(["valid", "invalid", "invalid", "invalid", "unsigned"]);

    // Without a channel to check against, it says so rather than guess.
    await setCatcherChannel(db, orgA, catcher.id, null);
    expect((await listCaughtRequests(db, orgA, catcher.id))[4].signature.status).toBe("unchecked");
  });
});

describe("POST /catch/{token}", () => {
  it("answers 404 for an unknown, malformed or expired token, and stores nothing", async () => {
    const before = (await db.select().from(caughtRequests)).length;
    for (const token of ["A".repeat(32), "short", "../../api/health"]) {
      const res = await postTo(`${base}/catch/${encodeURIComponent(token)}`, "{}");
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    }
    const expired = await createCatcher(db, orgA, actor, { name: "Expired" });
    await db
      .update(catchers)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(catchers.id, expired.id));
    expect((await postTo(expired.url, "{}")).status).toBe(404);
    expect((await db.select().from(caughtRequests)).length).toBe(before);
  });

  it("shows the sender's headers, not those Herald's own server adds (Next.js's X-Forwarded-*, the client address)", async () => {
    const catcher = await createCatcher(db, orgA, actor, { name: "Headers" });
    const added = { "x-forwarded-for": "127.0.0.1", "x-forwarded-host": "herald.test", "x-forwarded-port": "3000", "x-forwarded-proto": "http" };
    expect((await postTo(catcher.url, "{}", { ...added, "x-herald-client-address": "127.0.0.1", "x-sender": "kept" })).status).toBe(200);
    const [caught] = await listCaughtRequests(db, orgA, catcher.id);
    expect(caught.headers["x-sender"]).toBe("kept");
    expect(Object.keys(caught.headers).filter((name) => name.startsWith("x-forwarded-") || name.startsWith("x-herald-"))).toEqual([]);
  });

  it("keeps only the newest requests, refuses an oversized body, and masks credentials", async () => {
    const catcher = await createCatcher(db, orgA, actor, { name: "Bounded" });
    const total = CATCHER_LIMITS.keptRequests + 5;
    for (let i = 0; i < total; i++)
      expect((await postTo(catcher.url, JSON.stringify({ n: i }), { authorization: "Bearer top-secret-token" })).status).toBe(200);
    const kept = await listCaughtRequests(db, orgA, catcher.id);
    expect(kept).toHaveLength(CATCHER_LIMITS.keptRequests);
    expect(kept.map((r) => JSON.parse(r.body).n)).toEqual(Array.from({ length: CATCHER_LIMITS.keptRequests }, (_, i) => total - 1 - i));
    expect(kept[0].headers.authorization).toBe("Bearer [redacted]");
    expect(JSON.stringify(await db.select().from(caughtRequests))).not.toContain("top-secret-token");

    const big = await postTo(catcher.url, "x".repeat(CATCHER_LIMITS.bodyBytes + 1));
    expect(big.status).toBe(413);
    expect((await listCaughtRequests(db, orgA, catcher.id))[0].body).toBe(JSON.stringify({ n: total - 1 }));
  });

  it("keeps a body holding NUL bytes, which PostgreSQL text refuses, with U+FFFD in their place (was a 500)", async () => {
    const catcher = await createCatcher(db, orgA, actor, { name: "Binary" });
    expect((await postTo(catcher.url, "a\u0000b")).status).toBe(200);
    expect((await listCaughtRequests(db, orgA, catcher.id))[0].body).toBe("a\ufffdb");
  });

  it("an org keeps a bounded number of catchers", async () => {
    const { org } = await seedOrg(db, "many");
    for (let i = 0; i < CATCHER_LIMITS.perOrg; i++) await createCatcher(db, org.id, actor, { name: `c${i}` });
    await expect(createCatcher(db, org.id, actor, { name: "one more" })).rejects.toMatchObject({ status: 409 });
  });
});

describe("the outbound guard's exception is exactly this instance's /catch/{token}", () => {
  it("refuses other paths of the same origin at save time and at send time", async () => {
    const catcher = await createCatcher(db, orgA, actor, { name: "Guard" });
    for (const url of [`${base}/api/dispatch`, `${catcher.url}?x=1`, `${catcher.url}/more`, `${base}/catch/short`]) {
      await expect(createChannel(db, orgA, actor, createChannelSchema.parse({ type: "webhook", name: "sneaky", url })), url).rejects.toMatchObject({
        status: 422,
        fields: { url: [expect.stringMatching(/loopback/)] },
      });
    }
    const agent = createGuardedAgent({ allowPrivate: false, publicUrl: base });
    for (const url of [`${base}/api/dispatch`, `${catcher.url}?x=1`, `${base}/catch/../api/dispatch`, `${base}/catch/%2e%2e/api/dispatch`]) {
      const result = await postJson(url, { body: "{}" }, { poster: posterThrough(agent) });
      expect(result.error, url).toMatch(/refused by the address guard/);
    }
    expect(otherPaths).toEqual([]);
    // The same guard does let the catcher itself through.
    expect(await postJson(catcher.url, { body: "{}" }, { poster: posterThrough(agent) })).toMatchObject({ ok: true, statusCode: 200 });
  });
});
