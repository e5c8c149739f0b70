import { describe, expect, it } from "vitest";
import { createChannelSchema, patchChannelSchema } from "./channels";
import { TEAMS_RETIRED_MESSAGE } from "./channel-fields";

function errors(input: unknown): Record<string, string[]> {
  const result = createChannelSchema.safeParse(input);
  if (result.success) return {};
  const out: Record<string, string[]> = {};
  for (const issue of result.error.issues) (out[issue.path.join(".") || "_"] ??= []).push(issue.message);
  return out;
}
const parse = (input: unknown) => createChannelSchema.parse(input);

describe("email recipients", () => {
  it("splits, trims, lower-cases and de-duplicates a comma-separated list", () => {
    const channel = parse({ type: "email", name: "Ops", recipients: " A@x.org, b@y.org ,a@x.org,, @Owners" });
    expect(channel).toMatchObject({ recipients: ["a@x.org", "b@y.org", "@owners"] });
  });

  it("accepts an array and the three groups", () => {
    const channel = parse({ type: "email", name: "Ops", recipients: ["@owners", "@admins", "@product-admins"] });
    expect(channel).toMatchObject({ recipients: ["@owners", "@admins", "@product-admins"] });
  });

  it("names each bad address and unknown group", () => {
    const e = errors({ type: "email", name: "Ops", recipients: "ok@x.org, not-an-address, @everyone" });
    expect(e.recipients).toEqual(['"not-an-address" is not a valid e-mail address', '"@everyone" is not a group; use @owners, @admins or @product-admins']);
  });

  it("allows 50 recipients and refuses 51 (duplicates do not count)", () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `u${i}@x.org`);
    expect(errors({ type: "email", name: "Ops", recipients: [...fifty, ...fifty].join(",") })).toEqual({});
    expect(errors({ type: "email", name: "Ops", recipients: [...fifty, "u50@x.org"] }).recipients).toEqual(["has 51 recipients; at most 50"]);
  });

  it("needs at least one recipient", () => {
    expect(errors({ type: "email", name: "Ops", recipients: " , " }).recipients).toEqual(["needs at least one address or group"]);
    expect(errors({ type: "email", name: "Ops" }).recipients).toEqual(["is required"]);
  });
});

describe("slack, teams, discord URLs", () => {
  it("a slack channel refuses a non-Slack URL", () => {
    expect(errors({ type: "slack", name: "s", url: "https://example.com/services/T/B/X" }).url?.[0]).toMatch(/hooks\.slack\.com/);
    expect(errors({ type: "slack", name: "s", url: "http://hooks.slack.com/services/T/B/X" }).url?.[0]).toMatch(/https:\/\/hooks\.slack\.com/);
    expect(errors({ type: "slack", name: "s", url: "https://hooks.slack.com.evil.io/services/T/B/X" }).url).toBeDefined();
    expect(errors({ type: "slack", name: "s", url: "https://hooks.slack.com/services/T000/B000/XXXX" })).toEqual({});
  });

  it("a slack URL with credentials in it is refused", () => {
    expect(errors({ type: "slack", name: "s", url: "https://u:p@hooks.slack.com/services/T/B/X" }).url).toEqual(["must not carry a user name or password"]);
  });

  it("a teams channel takes Workflows URLs and explains that connectors were retired", () => {
    expect(
      errors({ type: "teams", name: "t", url: "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x" }),
    ).toEqual({});
    expect(
      errors({ type: "teams", name: "t", url: "https://default1.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/abc" }),
    ).toEqual({});
    expect(errors({ type: "teams", name: "t", url: "https://acme.webhook.office.com/webhookb2/abc@def/IncomingWebhook/x/y" }).url).toEqual([
      TEAMS_RETIRED_MESSAGE,
    ]);
    expect(errors({ type: "teams", name: "t", url: "https://outlook.office.com/webhook/abc" }).url?.[0]).toMatch(/retired.*Workflows/);
    expect(errors({ type: "teams", name: "t", url: "https://example.com/workflows/abc" }).url?.[0]).toMatch(/Workflows webhook URL/);
  });

  it("a discord channel needs /api/webhooks/{id}/{token} on discord.com or discordapp.com", () => {
    expect(errors({ type: "discord", name: "d", url: "https://discord.com/api/webhooks/123456/abc-DEF_ghi" })).toEqual({});
    expect(errors({ type: "discord", name: "d", url: "https://discordapp.com/api/webhooks/123456/abc" })).toEqual({});
    expect(errors({ type: "discord", name: "d", url: "https://discord.com/api/webhooks/notanid/abc" }).url).toBeDefined();
    expect(errors({ type: "discord", name: "d", url: "https://discord.gg/api/webhooks/1/abc" }).url).toBeDefined();
  });
});

describe("webhooks", () => {
  const hook = { type: "webhook", name: "w", url: "https://example.com/hook" };

  it("defaults to the array format and no authentication", () => {
    expect(parse(hook)).toMatchObject({ format: "array", auth: { method: "none" }, enabled: true });
  });

  it("accepts http:// (the form shows a warning) but not other schemes", () => {
    expect(errors({ ...hook, url: "http://example.com/hook" })).toEqual({});
    expect(errors({ ...hook, url: "ftp://example.com/hook" }).url).toEqual(["must be an https:// (or http://) URL"]);
    expect(errors({ ...hook, url: "not a url" }).url).toEqual(["must be a URL"]);
  });

  it("requires each method's credentials, naming the field", () => {
    expect(errors({ ...hook, auth: { method: "bearer" } })).toEqual({ "auth.token": ["is required"] });
    expect(errors({ ...hook, auth: { method: "basic", password: "p" } })).toEqual({ "auth.username": ["is required"] });
    expect(errors({ ...hook, auth: { method: "apikey", headerValue: "v" } })).toEqual({ "auth.headerName": ["is required"] });
    expect(errors({ ...hook, auth: { method: "oauth" } })["auth.method"]?.[0]).toMatch(/must be one of none, bearer, basic, apikey, headers/);
  });

  it("keeps only the chosen method's fields", () => {
    const parsed = parse({ ...hook, auth: { method: "bearer", token: "t0k", username: "u", password: "p" } });
    expect(parsed).toMatchObject({ auth: { method: "bearer", token: "t0k" } });
    expect((parsed as { auth: Record<string, unknown> }).auth.password).toBeUndefined();
  });

  it("refuses a token with a line break (header injection)", () => {
    expect(errors({ ...hook, auth: { method: "bearer", token: "a\r\nX-Evil: 1" } })["auth.token"]).toBeDefined();
  });

  it("validates custom headers: JSON object of strings, valid names, none of Herald's own", () => {
    expect(parse({ ...hook, auth: { method: "headers", headers: '{"X-Team":"ops"}' } })).toMatchObject({
      auth: { headers: '{"X-Team":"ops"}' },
    });
    expect(parse({ ...hook, auth: { method: "headers", headers: { "X-Team": "ops" } } })).toMatchObject({ auth: { headers: '{"X-Team":"ops"}' } });
    const e = (headers: unknown) => errors({ ...hook, auth: { method: "headers", headers } })["auth.headers"]?.[0];
    expect(e("{not json")).toMatch(/is not valid JSON/);
    expect(e("[1,2]")).toMatch(/must be a JSON object/);
    expect(e('{"X-Count": 3}')).toMatch(/value of "X-Count" must be a string/);
    expect(e('{"Bad Name": "x"}')).toMatch(/not a valid header name/);
    for (const name of ["Host", "content-length", "Transfer-Encoding", "Connection"]) expect(e({ [name]: "x" })).toMatch(/set by Herald itself/);
    expect(e({ "Webhook-Signature": "v1,forged" })).toMatch(/reserved for the Standard Webhooks/);
    expect(e({ "X-A": "line\nbreak" })).toMatch(/without line breaks/);
  });

  it("refuses an API-key header named like a signature header", () => {
    expect(errors({ ...hook, auth: { method: "apikey", headerName: "webhook-id", headerValue: "v" } })["auth.headerName"]?.[0]).toMatch(/reserved/);
  });

  it("refuses a signing secret whose key is shorter than 24 or longer than 64 bytes (Standard Webhooks)", () => {
    for (const bytes of [24, 64]) expect(errors({ ...hook, signingSecret: `whsec_${Buffer.alloc(bytes, 7).toString("base64")}` })).toEqual({});
    for (const bytes of [16, 65, 200]) {
      expect(errors({ ...hook, signingSecret: `whsec_${Buffer.alloc(bytes, 7).toString("base64")}` }).signingSecret).toEqual([
        "must hold a key of 24 to 64 bytes (Standard Webhooks)",
      ]);
    }
  });

  it("accepts a given whsec_ signing secret and refuses a malformed one", () => {
    expect(errors({ ...hook, signingSecret: `whsec_${Buffer.alloc(32, 7).toString("base64")}` })).toEqual({});
    expect(errors({ ...hook, signingSecret: "secret" }).signingSecret?.[0]).toMatch(/whsec_/);
  });
});

describe("common fields", () => {
  it("names an unknown type", () => {
    expect(errors({ type: "pager", name: "x" }).type?.[0]).toMatch(/must be one of email, slack, teams, discord, mattermost, webhook, inbox/);
  });

  it("requires a name of at most 100 characters", () => {
    expect(errors({ type: "inbox", name: "" }).name).toEqual(["is required"]);
    expect(errors({ type: "inbox", name: "x".repeat(101) }).name).toEqual(["must be at most 100 characters"]);
  });
});

describe("patchChannelSchema", () => {
  it("keeps omitted secrets undefined, null as null, and treats a read-back secret as keep", () => {
    const patch = patchChannelSchema.parse({ url: { configured: true, hint: "https://hooks.slack.com/services/T0…/****" }, auth: { token: null } });
    expect(patch.url).toBeUndefined();
    expect(patch.auth?.token).toBeNull();
    expect(patch.auth?.password).toBeUndefined();
  });
});

describe("chat service URLs", () => {
  it.each([
    ["slack", "https://hooks.slack.com:8443/services/T000/B000/XXXX"],
    ["discord", "https://discord.com:8443/api/webhooks/1/abc"],
    ["teams", "https://prod-1.westeurope.logic.azure.com:444/workflows/abc"],
  ])("%s: a URL naming a port is refused", (type, url) => {
    expect(errors({ type, name: "Chat", url }).url).toEqual([`must not name a port (:${new URL(url).port}): the service takes webhooks on 443 only`]);
    expect(errors({ type, name: "Chat", url: url.replace(/:\d+\//, "/") })).toEqual({});
  });
});

describe("a generic webhook to a chat service", () => {
  it.each([
    ["https://hooks.slack.com/services/T000/B000/XXXX", /create a Slack channel instead/],
    ["https://discord.com/api/webhooks/1/abc", /create a Discord channel instead/],
    ["https://acme.webhook.office.com/webhookb2/abc", /Office 365 connector URL/],
  ])("%s is refused with the type to choose", (url, message) => {
    expect(errors({ type: "webhook", name: "Hook", url }).url?.[0]).toMatch(message);
  });

  it("any other host is a webhook", () => {
    expect(errors({ type: "webhook", name: "Hook", url: "https://example.com/slack/hooks.slack.com" })).toEqual({});
  });
});
