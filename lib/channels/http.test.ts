import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuardedAgent } from "@/lib/net/guarded-agent";
import { posterThrough } from "@/lib/net/post";
import { HttpThread } from "@/lib/net/http-thread-client";
import { RESPONSE_EXCERPT_BYTES } from "@/lib/net/post";
import { version } from "@/package.json";
import { postAll, postJson } from "./http";
import { parseRetryAfter } from "@/lib/dispatch/policy";
import { channelModule } from "./registry";
import type { SendableChannel, SendContext } from "./types";
import { makeEvent } from "./testing/events";
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

// The same answers whether the POST is sent right here or by the dispatcher's sending thread.
const transports = [
  {
    name: "sent in this thread",
    open: () => {
      const agent = createGuardedAgent({ allowPrivate: true });
      return { ctx: { poster: posterThrough(agent) } as Pick<SendContext, "poster">, close: () => agent.close() };
    },
  },
  {
    name: "sent by the sending thread",
    open: () => {
      const thread = new HttpThread({ allowPrivate: true });
      return { ctx: { poster: thread.post } as Pick<SendContext, "poster">, close: () => thread.close() };
    },
  },
];

describe.each(transports)("postJson against a real receiver, $name", (transport) => {
  let receiver: Receiver;
  let opened: ReturnType<(typeof transports)[number]["open"]>;
  beforeAll(async () => {
    receiver = await startReceiver();
    opened = transport.open();
  });
  afterAll(async () => {
    await receiver.close();
    await opened.close();
  });

  it("posts JSON with our content type and reports 2xx as delivered", async () => {
    receiver.answer(() => ({ status: 204 }));
    const result = await postJson(receiver.url("/ok"), { body: '{"a":1}', headers: { "x-extra": "1" } }, { ...opened.ctx });
    expect(result).toMatchObject({ ok: true, statusCode: 204, retryable: false });
    const req = receiver.requests.at(-1)!;
    expect(req).toMatchObject({ method: "POST", path: "/ok", body: '{"a":1}' });
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-extra"]).toBe("1");
    // Product and version, and no placeholder URL (it named https://github.com/herald, which is not ours).
    expect(req.headers["user-agent"]).toBe(`Herald/${version} (self-hosted notification control plane)`);
  });

  it("keeps at most 2 KB of the answer", async () => {
    receiver.answer(() => ({ status: 500, body: "é".repeat(5000) }));
    const result = await postJson(receiver.url(), { body: "{}" }, { ...opened.ctx });
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
    const result = await postJson(receiver.url(), { body: "{}" }, { ...opened.ctx });
    expect(result.ok).toBe(false);
    expect(result.retryable).toBe(retryable);
    expect(Boolean(result.gone)).toBe(gone);
  });

  it("a channel's send takes the credentials and the URL path that a receiver echoes back out of what it reports", async () => {
    receiver.answer((req) => ({
      status: 401,
      body: `denied ${req.headers.authorization} at ${req.path}; token ${String(req.headers.authorization).slice(7)}`,
    }));
    const channel: SendableChannel = {
      id: "ch_1",
      orgId: "org_1",
      type: "webhook",
      name: "hook",
      settings: { url: receiver.url("/services/T0/B0/pathSECRET"), format: "array", authMethod: "bearer" },
      secrets: { token: "tokenSECRET123" },
    };
    const result = await channelModule("webhook").send(channel, [makeEvent()], { messageId: "dlv_1", ...opened.ctx });
    expect(result.response).toBe("denied [redacted] at [redacted]; token [redacted]");
    expect(JSON.stringify(result)).not.toMatch(/SECRET/);
  });

  it("passes on Retry-After from a 429", async () => {
    receiver.answer(() => ({ status: 429, headers: { "retry-after": "7" } }));
    const result = await postJson(receiver.url(), { body: "{}" }, { ...opened.ctx });
    expect(result.retryAfterMs).toBe(7000);
  });

  it("gives up after the timeout and says so in words", async () => {
    receiver.answer(() => "hang");
    const result = await postJson(receiver.url(), { body: "{}" }, { ...opened.ctx, timeoutMs: 300 });
    receiver.answer(() => ({ status: 200 }));
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.error).toMatch(/^timed out: no complete answer from 127\.0\.0\.1:\d+ within 0\.3 s$/);
  });

  it("reports a refused connection", async () => {
    const closed = await startReceiver();
    const url = closed.url();
    await closed.close();
    const result = await postJson(url, { body: "{}" }, { ...opened.ctx });
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
    const result = await postJson("https://nowhere.example/secret-path-token", { body: "{}" }, { poster: posterThrough(noDns) });
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
      ...opened.ctx,
      pace: async () => void paced.push(n),
    });
    expect(result.error).toBe("message 2 of 3: the receiver answered 500 Internal Server Error");
    expect(n).toBe(2);
    expect(paced).toEqual([1]);
  });
});

describe("the sending thread", () => {
  /** A receiver and a sending thread for one test, both closed after it. */
  async function withThread(allowPrivate: boolean, run: (thread: HttpThread, receiver: Receiver) => Promise<void>) {
    const receiver = await startReceiver();
    const thread = new HttpThread({ allowPrivate });
    try {
      await run(thread, receiver);
    } finally {
      await thread.close();
      await receiver.close();
    }
  }

  it("refuses private targets itself unless allowed (the address guard runs where the socket is opened)", () =>
    withThread(false, async (thread, receiver) => {
      receiver.answer(() => ({ status: 200 }));
      const result = await postJson(receiver.url(), { body: "{}" }, { poster: thread.post });
      expect(result).toMatchObject({ ok: false, retryable: false });
      expect(result.error).toMatch(/^refused by the address guard: .*loopback/);
      expect(receiver.requests).toHaveLength(0);
    }));

  it("answers many POSTs in flight at once, each with its own answer", () =>
    withThread(true, async (thread, receiver) => {
      receiver.answer((req) => ({ status: 200, body: `got ${req.body}` }));
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => postJson(receiver.url(), { body: String(i) }, { poster: thread.post })));
      expect(results.map((r) => r.response)).toEqual(Array.from({ length: 200 }, (_, i) => `got ${i}`));
    }));

  it("a thread that dies: the POSTs it held fail as network errors (retried), the next ones go through a new thread", () =>
    withThread(true, async (thread, receiver) => {
      receiver.answer(() => "hang");
      const held = postJson(receiver.url(), { body: "{}" }, { poster: thread.post });
      await waitUntil(() => receiver.requests.length === 1);
      // What an uncaught error in the thread would do; nothing public reaches it, on purpose.
      await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
      expect(await held).toMatchObject({ ok: false, retryable: true });
      expect((await held).error).toMatch(/^connection to 127\.0\.0\.1:\d+ was closed before an answer \(ECONNRESET\)$/);
      receiver.answer(() => ({ status: 204 }));
      expect(await postJson(receiver.url(), { body: "{}" }, { poster: thread.post })).toMatchObject({ ok: true, statusCode: 204 });
    }));
});

/** Waits for the event, up to 20 s (inside the 30-s test timeout): a loaded machine (CI) may take seconds to start a thread (issue #21). */
async function waitUntil(condition: () => boolean) {
  for (const deadline = Date.now() + 20_000; !condition() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}
