import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { createChannel } from "@/lib/channels/service";
import { attempts, deliveries, products } from "@/db/schema";
import { insertApiToken } from "@/lib/auth/api-tokens";
import type { Actor } from "@/lib/auth/permissions";
import { RESPONSE_HEADERS_BYTES } from "@/lib/channels/response-headers";
import { newId } from "@/lib/ids";
import { createChannelSchema } from "@/lib/validation/channels";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as item from "@/app/api/v1/orgs/[org]/deliveries/[id]/route";
import * as collection from "@/app/api/v1/orgs/[org]/deliveries/route";
import { getDeliveryDetail } from "./delivery-request";
import { dispatchOnce } from "./run";
import { queueDelivery, startReceiver, type ReceivedRequest, type Reply } from "./test-support";

process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_RETRY_SCHEDULE = "1";

/**
 * Issue #20 item 6: the delivery log shows, per attempt, the request that was
 * sent (re-rendered, every secret redacted) and the answer's headers (stored,
 * bounded, secrets redacted) — against a real loopback receiver that answers
 * with known headers and echoes the credentials it got.
 */

const SECRETS = {
  bearer: "dlvBearerTOKENsecret01",
  password: "dlvBasicPASSWORDsecret02",
  apikey: "dlvApikeyVALUEsecret03",
  header: "dlvCustomHEADERsecret04",
  signing: Buffer.from("dlvSigningSECRETbytes05-padding!").toString("base64"),
};
const basicPair = Buffer.from(`ops:${SECRETS.password}`).toString("base64");
const AUTHS = {
  bearer: { method: "bearer", token: SECRETS.bearer },
  basic: { method: "basic", username: "ops", password: SECRETS.password },
  apikey: { method: "apikey", headerName: "X-Api-Key", headerValue: SECRETS.apikey },
  headers: { method: "headers", headers: { "X-Custom-Secret": SECRETS.header } },
} as const;

let db: Db;
let orgId: string;
let actor: Actor;
let token: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let reply: (req: ReceivedRequest, n: number) => Reply;

beforeEach(async () => {
  db = await testDb();
  const seeded = await seedOrg(db, "acme");
  orgId = seeded.org.id;
  actor = { type: "user", id: seeded.members[0].id, label: seeded.members[0].email };
  token = (await insertApiToken(db, { orgId, name: "dash", role: "read" })).token;
  reply = () => ({ status: 200 });
  receiver = await startReceiver((req, n) => reply(req, n));
});

afterEach(async () => {
  await receiver.close();
  await closeTestDb(db);
});

async function webhook(name: string, extra: Record<string, unknown>) {
  const input = createChannelSchema.parse({ type: "webhook", name, url: receiver.url, signingSecret: `whsec_${SECRETS.signing}`, ...extra });
  return (await createChannel(db, orgId, actor, input, { allowPrivate: true })).id;
}

const show = async (id: string) => {
  const res = await call(item.GET, { url: `http://127.0.0.1/api/v1/orgs/acme/deliveries/${id}`, token, params: { org: "acme", id } });
  expect(res.status).toBe(200);
  return res;
};

describe("an attempt's request and response", () => {
  it("shows the body that was sent, the headers with every credential and the signature redacted, and the answer's headers — and no secret value", async () => {
    // The receiver answers with known headers, one of them echoing the credentials it got (as some do in a 401).
    reply = (req) => ({
      status: 401,
      headers: {
        "x-request-id": "req-42",
        "x-echo": `${req.headers.authorization ?? ""} ${req.headers["x-api-key"] ?? ""} ${req.headers["x-custom-secret"] ?? ""}`,
      },
      body: JSON.stringify(req.headers),
    });
    for (const [method, auth] of Object.entries(AUTHS)) {
      const channelId = await webhook(`hook ${method}`, { auth, format: "event" });
      const { deliveryId } = await queueDelivery(db, { orgId, channelId });
      await dispatchOnce(db, { deadlineMs: 10_000 });
      const arrived = receiver.received.at(-1)!;

      const res = await show(deliveryId);
      for (const [name, secret] of Object.entries({ ...SECRETS, basicPair })) expect(JSON.stringify(res.json), `${method}: ${name}`).not.toContain(secret);
      const { delivery, request } = res.json;
      const [attempt] = delivery.attempts;
      expect(attempt).toMatchObject({ status: 401, outcome: "failed", responseHeaders: { "x-request-id": "req-42", "content-type": "text/plain" } });
      expect(attempt.responseHeaders["x-echo"]).toContain("[redacted]");
      expect(attempt.response).toContain("[redacted]");
      expect(attempt.part).toBeUndefined();

      expect(request.messages).toHaveLength(1);
      const [message] = request.messages;
      // The body is what reached the receiver, rendered again by the channel's renderer.
      expect(message.body).toEqual(JSON.parse(arrived.body));
      const headers = Object.fromEntries(message.headers.map((h: { name: string; value: string }) => [h.name.toLowerCase(), h]));
      // Every header name that was sent is shown; those with a secret say [redacted].
      for (const name of ["content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature"])
        expect(Object.keys(arrived.headers)).toContain(name);
      for (const name of Object.keys(headers)) expect(Object.keys(arrived.headers)).toContain(name);
      expect(headers["webhook-id"].value).toBe(arrived.headers["webhook-id"]);
      expect(headers["user-agent"].value).toBe(arrived.headers["user-agent"]);
      expect(headers["webhook-signature"]).toMatchObject({ redacted: true });
      const secretHeader = { bearer: "authorization", basic: "authorization", apikey: "x-api-key", headers: "x-custom-secret" }[method]!;
      expect(arrived.headers[secretHeader]).toBeDefined();
      expect(headers[secretHeader]).toMatchObject({ redacted: true });
      expect(headers[secretHeader].value).toContain("[redacted]");
    }
  });

  it("of a delivery split over several POSTs, names the one that answered and shows its body", async () => {
    // Format `event`: one POST per event. The 2nd of 3 fails once; the retry sends the 2nd and 3rd.
    let failed = false;
    reply = (_req, n) =>
      n === 1 && !failed ? ((failed = true), { status: 500, headers: { "x-part": "two" } }) : { status: 200, headers: { "x-part": String(n + 1) } };
    const channelId = await webhook("split hook", { format: "event" });
    const { deliveryId } = await queueDelivery(db, { orgId, channelId, eventCount: 3 });
    await dispatchOnce(db, { deadlineMs: 10_000 });
    await db.update(deliveries).set({ nextAttemptAt: new Date() }).where(eq(deliveries.id, deliveryId));
    await dispatchOnce(db, { deadlineMs: 10_000 });
    expect(receiver.received).toHaveLength(4);

    const { delivery, request } = await getDeliveryDetail(db, orgId, deliveryId);
    expect(delivery.status).toBe("delivered");
    expect(delivery.attempts.map((a) => [a.outcome, a.part, a.responseHeaders?.["x-part"]])).toEqual([
      ["retry", 2, "two"],
      ["delivered", 3, "4"],
    ]);
    expect(request.messages).toHaveLength(3);
    // The failed attempt's answer is the 2nd POST's: its request is messages[1], as the receiver got it.
    expect(request.messages[1]).toMatchObject({ kind: "http", body: JSON.parse(receiver.received[1].body) });
    expect(request.messages[2]).toMatchObject({ body: JSON.parse(receiver.received[3].body) });
    const ids = request.messages.map((m) => (m.kind === "http" ? m.headers.find((h) => h.name === "webhook-id")?.value : null));
    expect(ids).toEqual([`${deliveryId}_1`, `${deliveryId}_2`, `${deliveryId}_3`]);
    expect(receiver.received[1].headers["webhook-id"]).toBe(`${deliveryId}_2`);
    expect(request.notes.join(" ")).toMatch(/Sent as 3 messages/);
  });

  it("keeps at most 1 KB of the answer's headers, in the receiver's order, counting what did not fit", async () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x-filler-${String(i).padStart(2, "0")}`, "v".repeat(60)]));
    reply = () => ({ status: 200, headers: { "x-first": "kept", ...many, "x-long": "w".repeat(5_000) } });
    const channelId = await webhook("chatty hook", {});
    const { deliveryId } = await queueDelivery(db, { orgId, channelId });
    await dispatchOnce(db, { deadlineMs: 10_000 });
    const [row] = await db.select({ headers: attempts.responseHeaders }).from(attempts).where(eq(attempts.deliveryId, deliveryId));
    expect(Buffer.byteLength(row.headers!)).toBeLessThanOrEqual(RESPONSE_HEADERS_BYTES);
    const stored = JSON.parse(row.headers!) as Record<string, string>;
    expect(stored["x-first"]).toBe("kept");
    expect(stored["x-filler-00"]).toBe("v".repeat(60));
    expect(stored["…"]).toMatch(/^\d+ more not kept$/);
    expect(stored.connection).toBeUndefined();
  });
});

describe("delivery log rows", () => {
  it("name the event by type and title, its product, and the channel by name and type", async () => {
    const productId = newId("prd");
    await db.insert(products).values({ id: productId, orgId, slug: "shop", name: "Web shop" });
    const channelId = await webhook("Ops hook", {});
    const { deliveryId, eventIds } = await queueDelivery(db, { orgId, channelId, productId, type: "deployment.failed" });
    const res = await call(collection.GET, { url: "http://127.0.0.1/api/v1/orgs/acme/deliveries", token, params: { org: "acme" } });
    expect(res.json.deliveries[0]).toMatchObject({
      id: deliveryId,
      channel: { name: "Ops hook", type: "webhook" },
      product: { slug: "shop", name: "Web shop" },
      event: { id: eventIds[0], type: "deployment.failed", title: "Deploy 1 failed" },
    });
  });
});
