import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Db } from "@/db/client";
import { channels, deliveries, deliveryEvents, events, type ChannelType, type Severity } from "@/db/schema";
import { sealSecret } from "@/lib/crypto/secrets";
import { newId } from "@/lib/ids";

/**
 * Test fixtures for the dispatcher: channels and queued deliveries written
 * straight into the database (as ingest would), and a real HTTP receiver on
 * 127.0.0.1 that records what reached it.
 */

export function insertChannel(
  db: Db,
  orgId: string,
  input: { type: ChannelType; name?: string; settings?: Record<string, unknown>; secrets?: Record<string, string>; productId?: string },
) {
  const id = newId("ch");
  const sealed = Object.fromEntries(
    Object.entries(input.secrets ?? {}).map(([field, value]) => [field, sealSecret(value, { orgId, channelId: id, field })]),
  );
  db.insert(channels)
    .values({
      id,
      orgId,
      productId: input.productId ?? null,
      type: input.type,
      name: input.name ?? `${input.type} channel`,
      settings: input.settings ?? {},
      secrets: sealed,
      secretHints: {},
    })
    .run();
  return id;
}

export type QueueOptions = {
  orgId: string;
  channelId: string;
  /** How many events the delivery covers (1 unless given). */
  eventCount?: number;
  productId?: string | null;
  severity?: Severity;
  type?: string;
  nextAttemptAt?: Date;
  digestKey?: string | null;
};

/** One queued delivery with its events, written in one transaction like ingest does. */
export function queueDelivery(db: Db, options: QueueOptions): { deliveryId: string; eventIds: string[] } {
  const deliveryId = newId("dlv");
  const now = new Date();
  const eventIds: string[] = [];
  db.transaction((tx) => {
    for (let i = 0; i < (options.eventCount ?? 1); i++) {
      const id = newId("evt");
      eventIds.push(id);
      tx.insert(events)
        .values({
          id,
          orgId: options.orgId,
          productId: options.productId ?? null,
          type: options.type ?? "deployment.failed",
          severity: options.severity ?? "error",
          title: `Deploy ${i + 1} failed`,
          data: { build: i + 1 },
          occurredAt: new Date(now.getTime() + i),
          receivedAt: now,
        })
        .run();
    }
    tx.insert(deliveries)
      .values({
        id: deliveryId,
        orgId: options.orgId,
        channelId: options.channelId,
        productId: options.productId ?? null,
        nextAttemptAt: options.nextAttemptAt ?? now,
        digestKey: options.digestKey ?? null,
      })
      .run();
    tx.insert(deliveryEvents)
      .values(eventIds.map((eventId) => ({ deliveryId, eventId })))
      .run();
  });
  return { deliveryId, eventIds };
}

/** Many single-event deliveries in one transaction (the kill and two-worker tests). */
export function queueMany(db: Db, count: number, options: Omit<QueueOptions, "eventCount">): string[] {
  const ids: string[] = [];
  const sqlite = db.$client;
  const now = Date.now();
  const insertEvent = sqlite.prepare(
    "INSERT INTO events (id, org_id, type, severity, title, data, occurred_at, received_at) VALUES (?, ?, ?, 'error', ?, '{}', ?, ?)",
  );
  const insertDelivery = sqlite.prepare(
    "INSERT INTO deliveries (id, org_id, channel_id, status, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?, ?)",
  );
  const link = sqlite.prepare("INSERT INTO delivery_events (delivery_id, event_id) VALUES (?, ?)");
  sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const eventId = newId("evt");
      const deliveryId = newId("dlv");
      insertEvent.run(eventId, options.orgId, options.type ?? "deployment.failed", `Event ${i}`, now + i, now);
      insertDelivery.run(deliveryId, options.orgId, options.channelId, now, now + i, now);
      link.run(deliveryId, eventId);
      ids.push(deliveryId);
    }
  })();
  return ids;
}

export type ReceivedRequest = { path: string; headers: http.IncomingHttpHeaders; body: string; at: number };
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | "hang";

/** An HTTP receiver on 127.0.0.1 answering each request with what `reply` says (the n-th request is 0-based). */
export async function startReceiver(reply: (req: ReceivedRequest, n: number) => Reply = () => ({ status: 200 })) {
  const received: ReceivedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry: ReceivedRequest = { path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      const answer = reply(entry, received.length);
      received.push(entry);
      if (answer === "hang") {
        hanging.add(res);
        return;
      }
      res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
      res.end(answer.body ?? (answer.status < 300 ? "ok" : `receiver says ${answer.status}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls until `check` is true (or fails the test after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
