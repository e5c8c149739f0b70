import { MockAgent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { startReceiver, useTestEnvironment, type Receiver } from "@/lib/channels/testing/receivers";
import { storedBytes } from "@/lib/channels/testing/stored";
import { env } from "@/lib/env";
import { setOutboundAgent } from "@/lib/net/outbound";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as collection from "./route";
import * as item from "./[id]/route";
import * as signing from "./[id]/signing-secret/route";
import * as rotate from "./[id]/signing-secret/rotate/route";
import * as test from "./[id]/test/route";

/**
 * The channels API end to end through its route handlers, with the leak test:
 * known secret values go in, and no response, log line or database byte
 * carries them back out (the audited signing-secret reveal aside).
 */

useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "1", HERALD_LOG_LEVEL: "debug", SMTP_URL: "smtp://127.0.0.1:9" });

const SECRETS = {
  slack: "slackPATHsecret0001",
  discord: "discordTOKENsecret0002",
  teams: "teamsSIGsecret0003",
  bearer: "bearerTOKENsecret0004",
  password: "basicPASSWORDsecret0005",
  apikey: "apikeyVALUEsecret0006",
  header: "customHEADERsecret0007",
  signing: Buffer.from("signingSECRETbytes0008-padding!!").toString("base64"),
};

let db: Db;
let receiver: Receiver;
let adminToken: string;
let readToken: string;
const logged: string[] = [];
const responses: string[] = [];
const restore: (() => void)[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  // A receiver that echoes what it got: its answer must not come back through the API.
  receiver.answer((req) => ({ status: 200, body: JSON.stringify(req.headers) + req.body }));
  db = await testDb();
  const { org } = await seedOrg(db, "acme", ["owner"]);
  adminToken = (await insertApiToken(db, { orgId: org.id, name: "admin", role: "admin" })).token;
  readToken = (await insertApiToken(db, { orgId: org.id, name: "read", role: "read" })).token;
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      logged.push(String(chunk));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = original));
  }
  // Slack/Discord/Teams are outside this machine: their hosts answer through a MockAgent.
  const mock = new MockAgent();
  mock.disableNetConnect();
  mock.enableNetConnect(/^127\.0\.0\.1:/);
  for (const origin of ["https://hooks.slack.com", "https://discord.com", "https://prod-01.westeurope.logic.azure.com"]) {
    mock
      .get(origin)
      .intercept({ path: () => true, method: "POST" })
      .reply(200, "ok")
      .persist();
  }
  setOutboundAgent(mock);
});
afterAll(async () => {
  restore.forEach((r) => r());
  setOutboundAgent(undefined);
  await receiver.close();
  await closeTestDb(db);
});

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function call(handler: Handler, method: string, params: Record<string, string>, body?: unknown, token = adminToken) {
  const req = new Request(`http://herald.test/api/v1/orgs/${params.org}/channels`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await handler(req, { params: Promise.resolve(params) });
  const text = await res.text();
  responses.push(text);
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const bodies = () => [
  { type: "slack", name: "Slack", url: `https://hooks.slack.com/services/T000/B000/${SECRETS.slack}` },
  { type: "discord", name: "Discord", url: `https://discord.com/api/webhooks/123/${SECRETS.discord}` },
  { type: "teams", name: "Teams", url: `https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=${SECRETS.teams}` },
  { type: "webhook", name: "Bearer", url: receiver.url(), auth: { method: "bearer", token: SECRETS.bearer }, signingSecret: `whsec_${SECRETS.signing}` },
  { type: "webhook", name: "Basic", url: receiver.url(), auth: { method: "basic", username: "bob", password: SECRETS.password } },
  { type: "webhook", name: "Key", url: receiver.url(), auth: { method: "apikey", headerName: "X-Api-Key", headerValue: SECRETS.apikey } },
  { type: "webhook", name: "Headers", url: receiver.url(), auth: { method: "headers", headers: { "X-Secret": SECRETS.header } } },
];

describe("channels API", () => {
  const ids: string[] = [];

  it("creates each type with 201 and reads secrets back as configured + hint", async () => {
    for (const body of bodies()) {
      const { status, json } = await call(collection.POST, "POST", { org: "acme" }, body);
      expect(status, JSON.stringify(json)).toBe(201);
      ids.push(json.channel.id);
    }
    const { json } = await call(collection.GET, "GET", { org: "acme" });
    expect(json.channels).toHaveLength(7);
    const slack = json.channels.find((c: { type: string }) => c.type === "slack");
    expect(slack.url).toEqual({ configured: true, hint: "https://hooks.slack.com/services/T0…/****" });
    const bearer = json.channels.find((c: { name: string }) => c.name === "Bearer");
    expect(bearer.auth.token).toEqual({ configured: true, hint: expect.stringMatching(/^\*\*\*\*/) });
    expect(bearer.signingSecret).toEqual({ configured: true, hint: expect.stringMatching(/^whsec_\*\*\*\*/) });
  });

  it("answers a bad URL with 422 naming the field", async () => {
    const { status, json } = await call(collection.POST, "POST", { org: "acme" }, { type: "slack", name: "x", url: "https://example.com/x" });
    expect(status).toBe(422);
    expect(json.error.fields.url[0]).toMatch(/hooks\.slack\.com/);
  });

  it("refuses e-mail channels only when SMTP is missing (configured here)", async () => {
    // The SMTP server of this test is not listening: the channel is created untested.
    const { status } = await call(collection.POST, "POST", { org: "acme" }, { type: "email", name: "Mail", recipients: "a@x.org", skipTest: true });
    expect(status).toBe(201);
    expect(env().SMTP_URL).toBeDefined();
  });

  it("reads, patches (secret kept) and tests every channel", async () => {
    for (const id of ids) {
      expect((await call(item.GET, "GET", { org: "acme", id })).status).toBe(200);
      const patched = await call(item.PATCH, "PATCH", { org: "acme", id }, { name: "renamed" });
      expect(patched.status).toBe(200);
      const tested = await call(test.POST, "POST", { org: "acme", id });
      expect(tested.status).toBe(200);
      expect(tested.json).toEqual({ ok: true, status: 200, durationMs: expect.any(Number) });
    }
    const credentials = [`Bearer ${SECRETS.bearer}`, `Basic ${Buffer.from(`bob:${SECRETS.password}`).toString("base64")}`, SECRETS.apikey, SECRETS.header];
    // Each webhook was tested when it was created, then by the test route: its credentials both times.
    expect(receiver.requests.map((r) => r.headers.authorization ?? r.headers["x-api-key"] ?? r.headers["x-secret"])).toEqual([...credentials, ...credentials]);
  });

  it("a read-only token can list but not change, test or reveal", async () => {
    expect((await call(collection.GET, "GET", { org: "acme" }, undefined, readToken)).status).toBe(200);
    expect((await call(collection.POST, "POST", { org: "acme" }, bodies()[0], readToken)).status).toBe(403);
    expect((await call(test.POST, "POST", { org: "acme", id: ids[0] }, undefined, readToken)).status).toBe(403);
    expect((await call(signing.GET, "GET", { org: "acme", id: ids[3] }, undefined, readToken)).status).toBe(403);
  });

  it("reveals and rotates a webhook's signing secret for an admin", async () => {
    const revealed = await call(signing.GET, "GET", { org: "acme", id: ids[3] });
    responses.pop(); // the one response allowed to carry a secret
    expect(revealed.json).toEqual({ signingSecret: `whsec_${SECRETS.signing}` });
    const rotated = await call(rotate.POST, "POST", { org: "acme", id: ids[3] });
    responses.pop();
    expect(rotated.json.signingSecret).toMatch(/^whsec_/);
    expect(rotated.json.signingSecret).not.toBe(`whsec_${SECRETS.signing}`);
  });

  it("deletes with 200 and an empty list of rules", async () => {
    const { status, json } = await call(item.DELETE, "DELETE", { org: "acme", id: ids[0] });
    expect(status).toBe(200);
    expect(json).toEqual({ deleted: true, removedFromRules: [] });
    expect((await call(item.GET, "GET", { org: "acme", id: ids[0] })).status).toBe(404);
  });

  it("leaks no secret: not in any response, any log line, or any byte of the database", async () => {
    const stored = await storedBytes(db);
    expect(responses.length).toBeGreaterThan(20);
    // The scan reads real content: the (plain) webhook URL is there.
    expect(stored).toContain(receiver.url());
    for (const secret of Object.values(SECRETS)) {
      for (const text of responses) expect(text).not.toContain(secret);
      for (const line of logged) expect(line).not.toContain(secret);
      expect(stored).not.toContain(secret);
    }
  });
});

describe("a new channel is tested before it is created (as Chainloop does)", () => {
  it("a receiver answering 200 gets one signed sample notification, and the channel is created", async () => {
    const before = receiver.requests.length;
    const { status, json } = await call(collection.POST, "POST", { org: "acme" }, { type: "webhook", name: "Tested", url: receiver.url("/tested") });
    expect(status).toBe(201);
    const sent = receiver.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].path).toBe("/tested");
    expect(sent[0].headers["webhook-signature"]).toMatch(/^v1,/);
    // Signed with the secret the channel was given.
    const secret = (await call(signing.GET, "GET", { org: "acme", id: json.channel.id })).json.signingSecret as string;
    const { Webhook } = await import("standardwebhooks");
    expect(() => new Webhook(secret).verify(sent[0].body, sent[0].headers as Record<string, string>)).not.toThrow();
  });

  it("a receiver answering 500 refuses the channel with 422 naming what it answered; nothing is stored", async () => {
    const failing = await startReceiver();
    failing.answer(() => ({ status: 500, body: "down" }));
    try {
      const count = async () => (await call(collection.GET, "GET", { org: "acme" })).json.channels.length as number;
      const channels = await count();
      const { status, json } = await call(collection.POST, "POST", { org: "acme" }, { type: "webhook", name: "Refused", url: failing.url("/down") });
      expect(status).toBe(422);
      expect(json.error.fields.url[0]).toBe("the test notification failed: the receiver answered 500 Internal Server Error");
      expect(json.error.message).toMatch(/skipTest/);
      expect(failing.requests).toHaveLength(1);
      expect(await count()).toBe(channels);
      // Opting out creates it without a request.
      const skipped = await call(collection.POST, "POST", { org: "acme" }, { type: "webhook", name: "Untested", url: failing.url("/down"), skipTest: true });
      expect(skipped.status).toBe(201);
      expect(failing.requests).toHaveLength(1);
      expect(await count()).toBe(channels + 1);
    } finally {
      await failing.close();
    }
  });

  it("flood control: on by default for chat, off for webhooks; set, turned off, and refused out of range naming the field", async () => {
    const slack = await call(
      collection.POST,
      "POST",
      { org: "acme" },
      { type: "slack", name: "Flood Slack", url: "https://hooks.slack.com/services/T000/B000/flood" },
    );
    expect(slack.json.channel.flood).toEqual({ limit: 30, minutes: 5 });
    const hook = (await call(collection.POST, "POST", { org: "acme" }, { type: "webhook", name: "Flood hook", url: receiver.url() })).json.channel;
    expect(hook.flood).toBeNull();

    const set = await call(item.PATCH, "PATCH", { org: "acme", id: hook.id }, { flood: { limit: 100, minutes: 10 } });
    expect(set.status, JSON.stringify(set.json)).toBe(200);
    expect(set.json.channel.flood).toEqual({ limit: 100, minutes: 10 });
    const kept = await call(item.PATCH, "PATCH", { org: "acme", id: hook.id }, { name: "still flood-limited" });
    expect(kept.json.channel.flood).toEqual({ limit: 100, minutes: 10 });
    const off = await call(item.PATCH, "PATCH", { org: "acme", id: hook.id }, { flood: null });
    expect(off.json.channel.flood).toBeNull();

    const bad = await call(item.PATCH, "PATCH", { org: "acme", id: hook.id }, { flood: { limit: 0, minutes: 2000 } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.fields).toEqual({ "flood.limit": ["must be at least 1"], "flood.minutes": ["must be at most 1440 (a day)"] });
    expect((await call(item.GET, "GET", { org: "acme", id: hook.id })).json.channel.flood).toBeNull();

    const created = await call(collection.POST, "POST", { org: "acme" }, { type: "inbox", name: "Flood-limited inbox", flood: { limit: 5, minutes: 1 } });
    expect(created.status).toBe(201);
    expect(created.json.channel.flood).toEqual({ limit: 5, minutes: 1 });
  });

  it("quiet hours: off by default; set, kept, turned off, and refused with each wrong field named", async () => {
    const hook = (await call(collection.POST, "POST", { org: "acme" }, { type: "webhook", name: "Quiet hook", url: receiver.url() })).json.channel;
    expect(hook.quietHours).toBeNull();
    const office = { timezone: "Europe/Paris", days: [5, 1, 2, 3, 4], start: "09:00", end: "18:00", minSeverity: "error" };
    const set = await call(item.PATCH, "PATCH", { org: "acme", id: hook.id }, { quietHours: office });
    expect(set.status, JSON.stringify(set.json)).toBe(200);
    expect(set.json.channel.quietHours).toEqual({ ...office, days: [1, 2, 3, 4, 5] });
    expect((await call(item.PATCH, "PATCH", { org: "acme", id: hook.id }, { name: "Quiet hook 2" })).json.channel.quietHours).toEqual({
      ...office,
      days: [1, 2, 3, 4, 5],
    });
    const bad = await call(
      item.PATCH,
      "PATCH",
      { org: "acme", id: hook.id },
      { quietHours: { ...office, timezone: "Nowhere/Land", days: [], start: "25:00" } },
    );
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.json.error.fields).sort()).toEqual(["quietHours.days", "quietHours.start", "quietHours.timezone"]);
    expect((await call(item.PATCH, "PATCH", { org: "acme", id: hook.id }, { quietHours: null })).json.channel.quietHours).toBeNull();
  });

  it("message templates: a webhook's own JSON reaches the receiver (its creation test included); a mistake is refused naming the field and the line", async () => {
    const before = receiver.requests.length;
    const body = '{"text": {{ event.title | json }}, "severity": "{{ severity }}", "count": {{ count }}}';
    const created = await call(
      collection.POST,
      "POST",
      { org: "acme" },
      { type: "webhook", name: "Templated hook", url: receiver.url(), format: "template", template: { body } },
    );
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.channel.template).toEqual({ body });
    expect(created.json.channel.format).toBe("template");
    expect(JSON.parse(receiver.requests[before].body)).toEqual({ text: "Test notification from Herald", severity: "info", count: 1 });

    const missing = await call(collection.POST, "POST", { org: "acme" }, { type: "webhook", name: "No body", url: receiver.url(), format: "template" });
    expect(missing.status).toBe(422);
    expect(missing.json.error.fields["template.body"]).toEqual(["is required when the format is template: the JSON body to send"]);
    const broken = await call(item.PATCH, "PATCH", { org: "acme", id: created.json.channel.id }, { template: { body: '{"a": 1,\n {% if count %}' } });
    expect(broken.status).toBe(422);
    expect(broken.json.error.fields["template.body"][0]).toMatch(/^line 2: tag \{% if count %\} not closed/);
    expect((await call(item.GET, "GET", { org: "acme", id: created.json.channel.id })).json.channel.template).toEqual({ body });

    const slack = await call(
      collection.POST,
      "POST",
      { org: "acme" },
      {
        type: "slack",
        name: "Templated Slack",
        url: "https://hooks.slack.com/services/T000/B000/tpl",
        template: { title: "{{ count }} from {{ event.org.name }}", body: "{{ event.title }}" },
      },
    );
    expect(slack.status, JSON.stringify(slack.json)).toBe(201);
    const cleared = await call(item.PATCH, "PATCH", { org: "acme", id: slack.json.channel.id }, { template: null });
    expect(cleared.json.channel.template).toBeNull();
  });

  it("an inbox has no receiver: created without a test", async () => {
    expect((await call(collection.POST, "POST", { org: "acme" }, { type: "inbox", name: "Inbox tested" })).status).toBe(201);
  });
});
