import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { generateSigningSecret } from "@/lib/crypto/secrets";
import { eventObject } from "./format";
import { makeEvent } from "./testing/events";
import { authHeaders, renderWebhookBodies, webhookBodyTexts, webhookMessages } from "./webhook";

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
    expect(messages.map((m) => m.headers!["webhook-id"])).toEqual(["dlv_abc_1", "dlv_abc_2"]);
    const wh = new Webhook(signingSecret);
    for (const m of messages) expect(wh.verify(m.body, m.headers as Record<string, string>)).toEqual(JSON.parse(m.body));
    const again = webhookMessages(channel, [makeEvent(), makeEvent({}, 2)], { messageId: "dlv_abc" });
    expect(again.map((m) => m.headers!["webhook-id"])).toEqual(["dlv_abc_1", "dlv_abc_2"]);
  });

  it("a signature made with another secret does not verify", () => {
    const channel = { type: "webhook" as const, settings: { url: "https://example.com" }, secrets: { signingSecret: generateSigningSecret() } };
    const [m] = webhookMessages(channel, [makeEvent()], { messageId: "dlv_1", now: new Date() });
    expect(() => new Webhook(generateSigningSecret()).verify(m.body, m.headers as Record<string, string>)).toThrow();
  });
});
