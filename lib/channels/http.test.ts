import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedAgent } from "@/lib/net/outbound";
import { parseRetryAfter, postAll, postJson, RESPONSE_EXCERPT_BYTES } from "./http";
import { startReceiver, useTestEnvironment, type Receiver } from "./testing/receivers";

useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "1" });

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-03-01T12:00:00Z");
  it("reads delta-seconds", () => expect(parseRetryAfter("120", now)).toBe(120_000));
  it("reads an HTTP date", () => expect(parseRetryAfter("Sat, 01 Mar 2025 12:00:30 GMT", now)).toBe(30_000));
  it("never goes negative for a date in the past", () => expect(parseRetryAfter("Sat, 01 Mar 2025 11:00:00 GMT", now)).toBe(0));
  it("ignores garbage", () => expect(parseRetryAfter("soon", now)).toBeUndefined());
  it("ignores absence", () => expect(parseRetryAfter(undefined, now)).toBeUndefined());
});

describe("postJson against a real receiver", () => {
  let receiver: Receiver;
  const dispatcher = createGuardedAgent({ allowPrivate: true });
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await dispatcher.close();
  });

  it("posts JSON with our content type and reports 2xx as delivered", async () => {
    receiver.answer(() => ({ status: 204 }));
    const result = await postJson(receiver.url("/ok"), { body: '{"a":1}', headers: { "x-extra": "1" } }, { dispatcher });
    expect(result).toMatchObject({ ok: true, statusCode: 204, retryable: false });
    const req = receiver.requests.at(-1)!;
    expect(req).toMatchObject({ method: "POST", path: "/ok", body: '{"a":1}' });
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-extra"]).toBe("1");
    expect(req.headers["user-agent"]).toMatch(/^Herald\//);
  });

  it("keeps at most 2 KB of the answer", async () => {
    receiver.answer(() => ({ status: 500, body: "é".repeat(5000) }));
    const result = await postJson(receiver.url(), { body: "{}" }, { dispatcher });
    expect(result).toMatchObject({ ok: false, statusCode: 500, retryable: true, error: "the receiver answered 500 Internal Server Error" });
    expect(Buffer.byteLength(result.response!)).toBeLessThanOrEqual(RESPONSE_EXCERPT_BYTES);
    expect(result.response!.startsWith("éé")).toBe(true);
  });

  it.each([
    [408, true, false],
    [429, true, false],
    [503, true, false],
    [400, false, false],
    [404, false, false],
    [410, false, true],
  ])("classifies %i (retryable %s, gone %s)", async (status, retryable, gone) => {
    receiver.answer(() => ({ status, body: "no" }));
    const result = await postJson(receiver.url(), { body: "{}" }, { dispatcher });
    expect(result.ok).toBe(false);
    expect(result.retryable).toBe(retryable);
    expect(Boolean(result.gone)).toBe(gone);
  });

  it("redacts credentials and the URL path that a receiver echoes back", async () => {
    receiver.answer((req) => ({ status: 401, body: `denied ${req.headers.authorization} at ${req.path}; token ${String(req.headers.authorization).slice(7)}` }));
    const result = await postJson(receiver.url("/services/T0/B0/pathSECRET"), { body: "{}", headers: { authorization: "Bearer tokenSECRET123" } }, { dispatcher });
    expect(result.response).toBe("denied [redacted] at [redacted]; token [redacted]");
    expect(JSON.stringify(result)).not.toMatch(/SECRET/);
  });

  it("passes on Retry-After from a 429", async () => {
    receiver.answer(() => ({ status: 429, headers: { "retry-after": "7" } }));
    const result = await postJson(receiver.url(), { body: "{}" }, { dispatcher });
    expect(result.retryAfterMs).toBe(7000);
  });

  it("gives up after the timeout and says so in words", async () => {
    receiver.answer(() => "hang");
    const result = await postJson(receiver.url(), { body: "{}" }, { dispatcher, timeoutMs: 300 });
    receiver.answer(() => ({ status: 200 }));
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.error).toMatch(/^timed out: no complete answer from 127\.0\.0\.1:\d+ within 0\.3 s$/);
  });

  it("reports a refused connection", async () => {
    const closed = await startReceiver();
    const url = closed.url();
    await closed.close();
    const result = await postJson(url, { body: "{}" }, { dispatcher });
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.error).toMatch(/^connection refused by 127\.0\.0\.1:\d+$/);
  });

  it("reports a DNS failure naming only the host", async () => {
    const noDns = createGuardedAgent({
      allowPrivate: false,
      lookup: async (host) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      },
    });
    const result = await postJson("https://nowhere.example/secret-path-token", { body: "{}" }, { dispatcher: noDns });
    expect(result.error).toBe("DNS lookup of nowhere.example failed (ENOTFOUND)");
    expect(JSON.stringify(result)).not.toContain("secret-path-token");
    await noDns.close();
  });

  it("postAll stops at the first failure and says which message failed", async () => {
    let n = 0;
    receiver.answer(() => (++n === 2 ? { status: 500 } : { status: 200 }));
    const paced: number[] = [];
    const result = await postAll(receiver.url(), [{ body: "1" }, { body: "2" }, { body: "3" }], {
      messageId: "m",
      dispatcher,
      pace: async () => void paced.push(n),
    });
    expect(result.error).toBe("message 2 of 3: the receiver answered 500 Internal Server Error");
    expect(n).toBe(2);
    expect(paced).toEqual([1]);
  });
});
