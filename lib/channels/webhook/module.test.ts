import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { posterThrough } from "@/lib/net/post";
import { Webhook } from "standardwebhooks";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { eventObject } from "../format";
import { makeEvent } from "../testing/events";
import { createGuardedAgent } from "@/lib/net/guarded-agent";
import { messageHeaders, postAll } from "../http";
import { startReceiver } from "../testing/receivers";
import { authHeaders, renderWebhookBodies, webhookBodyTexts, webhookMessages } from "./module";

const at = new Date("2025-03-01T12:05:00.000Z");
const eventJson = {
  id: "evt_1",
  created_at: "2025-03-01T12:00:00.000Z",
  type: "deployment.failed",
  severity: "error",
  title: "Deployment 1 failed",
  org: "acme",
  product: "shop",
  data: { environment: "production", commit: "4f2a9c1" },
};

describe("webhook formats", () => {
  it("splices an event's stored data text in exactly as serialising the parsed data would", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.constantFrom("array", "envelope", "event" as const), (data, format) => {
        const parsed = makeEvent({ data });
        const stored = { ...parsed, dataJson: JSON.stringify(data) };
        expect(webhookBodyTexts(format, [stored, stored], at)).toEqual(webhookBodyTexts(format, [parsed, parsed], at));
        expect(webhookBodyTexts("array", [stored], at)).toEqual([JSON.stringify([eventObject(parsed)])]);
      }),
    );
  });

  it("array: one JSON array of event objects", () => {
    expect(renderWebhookBodies("array", [makeEvent()], at)).toEqual([[eventJson]]);
  });

  it("envelope: CIPP's Standardized Alert Schema 1.0", () => {
    const [envelope] = renderWebhookBodies("envelope", [makeEvent(), makeEvent({ severity: "critical" }, 2)], at);
    expect(envelope).toEqual({
      schemaVersion: "1.0",
      source: "Herald",
      invoking: "deployment.failed",
      title: "2 events, up to critical",
      tenant: "shop",
      generatedAt: "2025-03-01T12:05:00.000Z",
      alertCount: 2,
      payload: [eventJson, { ...eventJson, id: "evt_2", title: "Deployment 2 failed", severity: "critical" }],
    });
  });

  it("envelope: the org slug as tenant when events have no single product", () => {
    const [envelope] = renderWebhookBodies("envelope", [makeEvent({ product: null, type: "billing.credits_low" }), makeEvent({}, 2)], at);
    expect(envelope).toMatchObject({ tenant: "acme", invoking: "multiple" });
  });

  it("event: one body per event", () => {
    expect(renderWebhookBodies("event", [makeEvent(), makeEvent({}, 2)], at)).toHaveLength(2);
  });
});

describe("webhook authentication headers", () => {
  it.each([
    [{ authMethod: "none" }, {}, {}],
    [{ authMethod: "bearer" }, { token: "tkn" }, { authorization: "Bearer tkn" }],
    [{ authMethod: "basic", username: "bob" }, { password: "pw:d" }, { authorization: `Basic ${Buffer.from("bob:pw:d").toString("base64")}` }],
    [{ authMethod: "apikey", headerName: "X-Api-Key" }, { headerValue: "k1" }, { "X-Api-Key": "k1" }],
    [{ authMethod: "headers" }, { headers: '{"X-A":"1","X-B":"2"}' }, { "X-A": "1", "X-B": "2" }],
  ])("%o", (settings, secrets, expected) => {
    expect(authHeaders(settings, secrets as Record<string, string>)).toEqual(expected);
  });
});

describe("webhook signatures", () => {
  it("signs every body so that standardwebhooks verifies it, with stable ids per message", () => {
    const signingSecret = generateSigningSecret();
    const channel = { type: "webhook" as const, settings: { url: "https://example.com", format: "event" }, secrets: { signingSecret } };
    const messages = webhookMessages(channel, [makeEvent(), makeEvent({}, 2)], { messageId: "dlv_abc", now: new Date() });
    expect(messages.map((m) => messageHeaders(m)["webhook-id"])).toEqual(["dlv_abc_1", "dlv_abc_2"]);
    const wh = new Webhook(signingSecret);
    for (const m of messages) expect(wh.verify(m.body, messageHeaders(m))).toEqual(JSON.parse(m.body));
    const again = webhookMessages(channel, [makeEvent(), makeEvent({}, 2)], { messageId: "dlv_abc" });
    expect(again.map((m) => messageHeaders(m)["webhook-id"])).toEqual(["dlv_abc_1", "dlv_abc_2"]);
  });

  it("a signature made with another secret does not verify", () => {
    const channel = { type: "webhook" as const, settings: { url: "https://example.com" }, secrets: { signingSecret: generateSigningSecret() } };
    const [m] = webhookMessages(channel, [makeEvent()], { messageId: "dlv_1", now: new Date() });
    expect(() => new Webhook(generateSigningSecret()).verify(m.body, messageHeaders(m))).toThrow();
  });

  it("signs each POST of a split delivery when it is sent, not when the delivery started", async () => {
    // A slow receiver: each answer leaves more than a second after its request arrived.
    const receiver = await startReceiver();
    const answeredAt: number[] = [];
    receiver.answer(() => ({ status: 200, delayMs: 1_100, onSent: () => answeredAt.push(Date.now()) }));
    try {
      const signingSecret = generateSigningSecret();
      const channel = { type: "webhook" as const, settings: { url: receiver.url(), format: "event" }, secrets: { signingSecret } };
      const events = [makeEvent(), makeEvent({}, 2), makeEvent({}, 3)];
      const result = await postAll(receiver.url(), webhookMessages(channel, events, { messageId: "dlv_split" }), {
        messageId: "dlv_split",
        poster: posterThrough(createGuardedAgent({ allowPrivate: true })),
      });
      expect(result.ok).toBe(true);
      expect(receiver.requests).toHaveLength(3);
      const wh = new Webhook(signingSecret);
      receiver.requests.forEach((request, i) => {
        expect(wh.verify(request.body, request.headers as Record<string, string>)).toEqual(JSON.parse(request.body));
        // Sent after the previous answer: signed no earlier than that answer's second.
        if (i > 0) expect(Number(request.headers["webhook-timestamp"])).toBeGreaterThanOrEqual(Math.floor(answeredAt[i - 1] / 1000));
      });
    } finally {
      await receiver.close();
    }
  });
});
