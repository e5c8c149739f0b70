import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createGuardedAgent } from "./guarded-agent";
import { CONNECTIONS_PER_ORIGIN } from "@/lib/dispatch/policy";
import { post } from "./post";

/**
 * Issue #17 item 2: the attempt's limit measures the receiver. A request that
 * waits for one of the agent's connections is not the receiver's time: before,
 * the limit ran from the dispatch, so requests queued behind a slow receiver
 * were given up on while the receiver was still answering them.
 */

const TIMEOUT_MS = 2_000;
const RECEIVER_MS = 1_200;

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A receiver answering every request `delayMs` after reading it; counts each request id it saw. */
async function slowReceiver(delayMs: number) {
  const seen = new Map<string, number>();
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["x-request-id"]);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("ok"), delayMs);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("post: the timeout counts from the request written to a connection", () => {
  it("more requests than connections to a receiver answering under the timeout: every one answered, none timed out, each seen once", async () => {
    const receiver = await slowReceiver(RECEIVER_MS);
    const agent = createGuardedAgent({ allowPrivate: true, timeoutMs: TIMEOUT_MS });
    // A fifth more than the agent's connections to one origin: those wait a whole answer for a free one.
    const count = Math.ceil(CONNECTIONS_PER_ORIGIN * 1.2);
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: count }, (_, i) =>
          post(agent, {
            origin: receiver.origin,
            path: "/hook",
            body: "{}",
            headers: { "content-type": "application/json", "x-request-id": String(i) },
            timeoutMs: TIMEOUT_MS,
          }),
        ),
      );
      const failed = outcomes.flatMap((o) => (o.status === "rejected" ? [String((o.reason as Error).message)] : []));
      expect({ failed: failed.length, first: failed[0] }).toEqual({ failed: 0, first: undefined });
      expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value.status : 0))).toEqual(Array(count).fill(200));
      expect(receiver.seen.size).toBe(count);
      expect([...receiver.seen.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await agent.close();
    }
  });

  it("a receiver slower than the timeout still times out, about the timeout after it got the request", async () => {
    const receiver = await slowReceiver(TIMEOUT_MS + 2_000);
    const agent = createGuardedAgent({ allowPrivate: true, timeoutMs: TIMEOUT_MS });
    try {
      const started = Date.now();
      const error = await post(agent, { origin: receiver.origin, path: "/hook", body: "{}", headers: { "x-request-id": "slow" }, timeoutMs: TIMEOUT_MS }).then(
        () => null,
        (e: Error) => e,
      );
      expect(error?.name).toBe("TimeoutError");
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_500);
    } finally {
      await agent.close();
    }
  });
});
