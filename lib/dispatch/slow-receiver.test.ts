import http from "node:http";
import type { AddressInfo } from "node:net";
import { posterThrough } from "@/lib/net/post";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inArray } from "drizzle-orm";
import type { Dispatcher } from "undici";
import type { Db } from "@/db/client";
import { attempts, deliveries } from "@/db/schema";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { createGuardedAgent } from "@/lib/net/guarded-agent";
import { CONNECTIONS_PER_ORIGIN } from "@/lib/dispatch/policy";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { DeliveryDispatcher } from "./dispatcher";
import { insertChannel, queueMany, waitFor } from "./test-support";

/**
 * Issue #17 item 2: a receiver that answers slowly but within the attempt's
 * limit, sent more at once than the agent has connections to it (two channels,
 * one receiver). Before: the limit ran from the dispatch, so requests waiting
 * for a connection were recorded as timed out while the receiver was answering
 * them, and their retries reached it twice. Now the limit measures the
 * receiver, and the dispatcher never hands one origin more requests than its
 * connections.
 */

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";

const TIMEOUT_MS = 2_000;
const RECEIVER_MS = 1_200;

let db: Db;
let orgId: string;
let server: http.Server | undefined;
let agent: Dispatcher | undefined;

beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "slow")).org.id;
});

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await agent?.close();
  agent = undefined;
  await closeTestDb(db);
});

/** A receiver answering 200 `delayMs` after reading each request; counts each `webhook-id` it saw. */
async function slowReceiver(delayMs: number) {
  const seen = new Map<string, number>();
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("ok"), delayMs);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** The guarded agent as the dispatcher's sends use it, counting the requests handed to it per origin and not yet answered. */
function countingAgent() {
  const handed = { now: new Map<string, number>(), max: 0 };
  const guarded = createGuardedAgent({ allowPrivate: true, timeoutMs: TIMEOUT_MS });
  const counted = guarded.compose((dispatch) => (opts, handler) => {
    const origin = String(opts.origin);
    const n = (handed.now.get(origin) ?? 0) + 1;
    handed.now.set(origin, n);
    handed.max = Math.max(handed.max, n);
    let open = true;
    const done = () => {
      if (open) handed.now.set(origin, handed.now.get(origin)! - 1);
      open = false;
    };
    return dispatch(opts, {
      onRequestStart: (c, context) => handler.onRequestStart?.(c, context),
      onResponseStart: (c, status, headers, message) => handler.onResponseStart?.(c, status, headers, message),
      onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
      onResponseEnd: (c, trailers) => (done(), handler.onResponseEnd?.(c, trailers)),
      onResponseError: (c, error) => (done(), handler.onResponseError?.(c, error)),
    });
  });
  agent = guarded;
  return { poster: posterThrough(counted), handed };
}

describe("a slow receiver sent more than the connections to it", () => {
  it("records no timeout, sees every delivery exactly once, and is never handed more requests than connections", async () => {
    const receiver = await slowReceiver(RECEIVER_MS);
    const perChannel = Math.ceil((CONNECTIONS_PER_ORIGIN * 1.2) / 2);
    const ids: string[] = [];
    for (const path of ["/a", "/b"]) {
      const channelId = await insertChannel(db, orgId, {
        type: "webhook",
        settings: { url: receiver.url + path, format: "event", authMethod: "none" },
        secrets: { signingSecret: generateSigningSecret() },
      });
      ids.push(...(await queueMany(db, perChannel, { orgId, channelId })));
    }
    const { poster, handed } = countingAgent();
    // Room for both lanes at once: only the per-origin bound keeps the receiver at its connections.
    const worker = new DeliveryDispatcher({ db, poster, timeoutMs: TIMEOUT_MS, concurrency: 4 * CONNECTIONS_PER_ORIGIN, retrySchedule: [1, 1], pollMs: 200 });
    worker.start();
    try {
      await waitFor(
        async () =>
          (
            await db
              .select({ id: deliveries.id })
              .from(deliveries)
              .where(inArray(deliveries.status, ["queued", "sending"]))
          ).length === 0,
        60_000,
        "every delivery final",
      );
    } finally {
      await worker.stop();
    }
    const logged = await db.select({ outcome: attempts.outcome, error: attempts.error }).from(attempts);
    const timedOut = logged.filter((a) => /timed out/.test(a.error ?? "")).length;
    const duplicates = [...receiver.seen.values()].reduce((n, times) => n + times - 1, 0);
    expect({ timedOut, duplicates, attempts: logged.length, seen: receiver.seen.size }).toEqual({
      timedOut: 0,
      duplicates: 0,
      attempts: ids.length,
      seen: ids.length,
    });
    const statuses = await db.select({ status: deliveries.status }).from(deliveries).where(inArray(deliveries.id, ids));
    expect(statuses.every((d) => d.status === "delivered")).toBe(true);
    expect(handed.max).toBeLessThanOrEqual(CONNECTIONS_PER_ORIGIN);
  }, 90_000);
});
