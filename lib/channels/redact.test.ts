import { describe, expect, it } from "vitest";
import { RESPONSE_EXCERPT_BYTES } from "@/lib/net/post";
import { needlesOf, REDACTED, redactSecrets, redactSendResult, secretNeedlesOf, urlSecrets } from "./redact";
import type { SendableChannel } from "./types";
import { useTestEnvironment } from "./testing/receivers";

useTestEnvironment({ SMTP_URL: `smtp://mailer:${encodeURIComponent("smtp pässword/1")}@127.0.0.1:2525` });

const channel = (type: SendableChannel["type"], settings: Record<string, unknown>, secrets: Record<string, string>): SendableChannel => ({
  id: "ch_1",
  orgId: "org_1",
  type,
  name: type,
  settings,
  secrets,
});

const redactFor = (c: SendableChannel, text: string, cut = false) => redactSecrets(text, secretNeedlesOf(c), cut);

describe("redactSecrets", () => {
  const basic = channel("webhook", { url: "https://example.com/hook", authMethod: "basic", username: "ops" }, { password: 'pa/ss "wörd"' });
  const header = `Basic ${Buffer.from('ops:pa/ss "wörd"').toString("base64")}`;

  it("takes out a Basic credential as sent, decoded, and its password alone", () => {
    expect(redactFor(basic, `got ${header}; decoded ops:pa/ss "wörd"; password pa/ss "wörd".`)).toBe(
      `got ${REDACTED}; decoded ${REDACTED}; password ${REDACTED}.`,
    );
  });

  it.each([
    ["percent-encoded", encodeURIComponent('pa/ss "wörd"')],
    ["form-encoded", new URLSearchParams({ p: 'pa/ss "wörd"' }).toString().slice(2)],
    ["a JSON string", JSON.stringify('pa/ss "wörd"').slice(1, -1)],
    ["PHP's JSON (\\/ and \\u00f6)", 'pa\\/ss \\"w\\u00f6rd\\"'],
    ["HTML-escaped", "pa/ss &quot;wörd&quot;"],
    ["UTF-8 read as Latin-1", Buffer.from('pa/ss "wörd"', "utf8").toString("latin1")],
  ])("takes out the password %s", (_how, spelled) => {
    expect(redactFor(basic, `<p>${spelled}</p>`)).toBe(`<p>${REDACTED}</p>`);
  });

  it("takes out the start of a secret that the excerpt's limit cut off, only where the text was cut", () => {
    const padding = "x".repeat(RESPONSE_EXCERPT_BYTES - 6);
    const cut = `${padding}ops:pa`;
    expect(redactFor(basic, cut, true)).toBe(`${padding}${REDACTED}`);
    expect(redactFor(basic, "user ops:pa", false)).toBe("user ops:pa");
  });

  it("leaves short secrets and ordinary route words alone", () => {
    const short = channel("webhook", { url: "https://example.com/hook", authMethod: "bearer" }, { token: "abc" });
    expect(redactFor(short, "abc at /hook")).toBe("abc at /hook");
    expect(
      redactFor(
        channel("slack", {}, { url: "https://hooks.slack.com/services/T0A1B2C3/B0D4E5F6/AbCdEfGhIjKlMnOpQrStUvWx" }),
        "no services, webhooks or triggers here",
      ),
    ).toBe("no services, webhooks or triggers here");
  });

  it("takes out each custom header value and an API key", () => {
    const custom = channel(
      "webhook",
      { url: "https://example.com/hook", authMethod: "headers" },
      { headers: JSON.stringify({ "X-Team": "operations", "X-Token": "tok-123456" }) },
    );
    expect(redactFor(custom, "x-team: operations, x-token: tok-123456")).toBe(`x-team: ${REDACTED}, x-token: ${REDACTED}`);
    const key = channel("webhook", { url: "https://example.com/hook", authMethod: "apikey", headerName: "X-Api-Key" }, { headerValue: "key-987654" });
    expect(redactFor(key, "bad key key-987654")).toBe(`bad key ${REDACTED}`);
  });

  it("takes out the SMTP password and the AUTH arguments that carry it", () => {
    const mail = channel("email", { recipients: ["ops@acme.test"] }, {});
    const plain = Buffer.from("\0mailer\0smtp pässword/1").toString("base64");
    const login = Buffer.from("smtp pässword/1").toString("base64");
    expect(redactFor(mail, `535 bad login smtp pässword/1 (${plain}, ${login})`)).toBe(`535 bad login ${REDACTED} (${REDACTED}, ${REDACTED})`);
  });
});

describe("urlSecrets", () => {
  it("Slack: the path, and its token-like segments, not the host or 'services'", () => {
    const parts = urlSecrets("https://hooks.slack.com/services/T0A1B2C3/B0D4E5F6/AbCdEfGhIjKlMnOpQrStUvWx");
    expect(parts).toEqual(expect.arrayContaining(["/services/T0A1B2C3/B0D4E5F6/AbCdEfGhIjKlMnOpQrStUvWx", "T0A1B2C3", "B0D4E5F6", "AbCdEfGhIjKlMnOpQrStUvWx"]));
    expect(parts).not.toContain("services");
    expect(parts.join(" ")).not.toContain("hooks.slack.com");
  });

  it("Discord: the token after the id", () => {
    expect(urlSecrets("https://discord.com/api/webhooks/123456789012345678/abc-DEF_ghi")).toEqual(
      expect.arrayContaining(["123456789012345678", "abc-DEF_ghi"]),
    );
  });

  it("Teams: every query value, raw and decoded (sig)", () => {
    const parts = urlSecrets(
      "https://prod-01.westeurope.logic.azure.com/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Ab%2BCd_Ef-12",
    );
    expect(parts).toEqual(expect.arrayContaining(["Ab%2BCd_Ef-12", "Ab+Cd_Ef-12", "%2Ftriggers%2Fmanual%2Frun", "/triggers/manual/run"]));
  });
});

describe("redactSendResult", () => {
  const hook = channel("webhook", { url: "https://example.com/hook", authMethod: "bearer" }, { token: "bearer-token-1" });

  it("redacts the excerpt and the error of a result", () => {
    const result = redactSendResult({ ok: false, durationMs: 1, retryable: false, response: "saw bearer-token-1", error: "TLS error: bearer-token-1" }, hook);
    expect(result).toMatchObject({ response: `saw ${REDACTED}`, error: `TLS error: ${REDACTED}` });
  });

  it("works out a channel's needles once, and not at all for an answer too short to hold a secret", () => {
    const fresh = channel("webhook", { url: "https://example.com/hook", authMethod: "bearer" }, { token: "bearer-token-2" });
    const short = { ok: true, durationMs: 1, retryable: false, response: "ok" };
    expect(redactSendResult(short, fresh)).toBe(short);
    expect(secretNeedlesOf(fresh)).toBe(secretNeedlesOf(fresh));
    expect(needlesOf([]).list).toEqual([]);
  });
});
