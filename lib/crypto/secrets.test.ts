import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { keyId } from "@/lib/env";
import { maskUrl } from "@/lib/channels/credential-url";
import { generateSigningSecret, openSecret, sealSecret, secretHint } from "./secrets";

const key = crypto.randomBytes(32);
const scope = { orgId: "org_1", channelId: "ch_1", field: "url" };

describe("sealSecret / openSecret", () => {
  it("round-trips a value and stores no plaintext", () => {
    const value = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";
    const sealed = sealSecret(value, scope, key);
    expect(JSON.stringify(sealed)).not.toContain("XXXXSECRETXXXX");
    expect(sealed.kid).toBe(keyId(key));
    expect(openSecret(sealed, scope, [key])).toBe(value);
  });

  it("uses a fresh IV for every value", () => {
    const a = sealSecret("same", scope, key);
    const b = sealSecret("same", scope, key);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
  });

  it("binds the ciphertext to its org, channel and field", () => {
    const sealed = sealSecret("token-value", scope, key);
    expect(() => openSecret(sealed, { ...scope, channelId: "ch_2" }, [key])).toThrow(/does not open/);
    expect(() => openSecret(sealed, { ...scope, orgId: "org_2" }, [key])).toThrow(/does not open/);
    expect(() => openSecret(sealed, { ...scope, field: "token" }, [key])).toThrow(/does not open/);
  });

  it("refuses a tampered ciphertext", () => {
    const sealed = sealSecret("token-value", scope, key);
    const ct = Buffer.from(sealed.ct, "base64");
    ct[0] ^= 1;
    expect(() => openSecret({ ...sealed, ct: ct.toString("base64") }, scope, [key])).toThrow(/does not open/);
  });

  it("opens with an older key kept in the key list (rotation) and names a missing key", () => {
    const old = crypto.randomBytes(32);
    const sealed = sealSecret("v", scope, old);
    expect(openSecret(sealed, scope, [key, old])).toBe("v");
    expect(() => openSecret(sealed, scope, [key])).toThrow(new RegExp(`sealed with key ${keyId(old)}`));
  });
});

describe("hints", () => {
  it("masks a Slack URL as the design shows", () => {
    expect(maskUrl("https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx")).toBe("https://hooks.slack.com/services/T0…/****");
  });

  it("masks Discord and Teams URLs without their tokens", () => {
    const discord = maskUrl("https://discord.com/api/webhooks/123456789012345678/Tok-en_value");
    expect(discord).toBe("https://discord.com/api/webhooks/12…/****");
    const teams = maskUrl("https://prod-01.westeurope.logic.azure.com:443/workflows/abcdef0123/triggers/manual/paths/invoke?sig=SIGVALUE");
    expect(teams).toBe("https://prod-01.westeurope.logic.azure.com/workflows/ab…/****");
    expect(teams).not.toContain("SIGVALUE");
  });

  it("shows the last four characters of long tokens and nothing of short ones", () => {
    expect(secretHint("token", "tok_1234567890abcdefWXYZ")).toBe("****WXYZ");
    expect(secretHint("password", "hunter2")).toBe("********");
    expect(secretHint("headers", '{"X-Team":"ops","X-Key":"k"}')).toBe("X-Team, X-Key (values hidden)");
  });
});

describe("generateSigningSecret", () => {
  it("makes a whsec_ secret of 32 random bytes that standardwebhooks accepts", () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    const wh = new Webhook(secret);
    const at = new Date();
    const sig = wh.sign("msg_1", at, "{}");
    expect(wh.verify("{}", { "webhook-id": "msg_1", "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": sig })).toEqual({});
    expect(generateSigningSecret()).not.toBe(secret);
  });
});
