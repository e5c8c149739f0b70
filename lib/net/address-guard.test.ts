import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson } from "@/lib/channels/http";
import { posterThrough } from "@/lib/net/post";
import { startReceiver, useTestEnvironment, type Receiver } from "@/lib/channels/testing/receivers";
import { assertPublicHost, checkHostName, refusalReason, type LookupAll } from "./address-guard";
import { createGuardedAgent } from "./guarded-agent";

useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "0" });

describe("refusalReason", () => {
  it.each([
    ["127.0.0.1", /loopback/],
    ["127.8.9.10", /loopback/],
    ["::1", /loopback/],
    ["10.0.0.1", /private/],
    ["172.16.5.4", /private/],
    ["192.168.1.1", /private/],
    ["100.64.0.1", /carrier-grade NAT/],
    ["169.254.169.254", /cloud metadata/],
    ["169.254.3.4", /link-local/],
    ["fe80::1", /link-local/],
    ["fd00:ec2::254", /cloud metadata/],
    ["fc00::5", /unique-local/],
    ["224.0.0.1", /multicast/],
    ["ff02::1", /multicast/],
    ["0.0.0.0", /unspecified/],
    ["::", /unspecified/],
    ["255.255.255.255", /broadcast/],
    ["::ffff:127.0.0.1", /loopback.*inside an IPv6/],
    ["::ffff:10.1.2.3", /private.*inside an IPv6/],
    ["64:ff9b::7f00:1", /loopback.*inside an IPv6/],
    ["64:ff9b::a9fe:a9fe", /cloud metadata/],
    ["64:ff9b:1::1", /special-purpose|rfc6052/],
    ["2002:7f00:1::", /loopback.*inside an IPv6/],
    ["::7f00:1", /loopback/],
    ["100::1", /non-global|special/],
  ])("refuses %s", (address, reason) => {
    expect(refusalReason(address)).toMatch(reason);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"])("allows public %s", (address) => {
    expect(refusalReason(address)).toBeNull();
  });
});

describe("checkHostName", () => {
  it.each([
    ["127.0.0.1", /127\.0\.0\.1.*loopback/],
    ["[::1]", /loopback/],
    ["[::ffff:127.0.0.1]", /loopback/],
    ["[::ffff:7f00:1]", /loopback/],
    ["[64:ff9b::7f00:1]", /loopback/],
    ["2130706433", /127\.0\.0\.1.*loopback/],
    ["0x7f.1", /127\.0\.0\.1.*loopback/],
    ["0177.0.0.1", /127\.0\.0\.1.*loopback/],
    ["localhost", /this machine/],
    ["localhost.", /this machine/],
    ["LOCALHOST", /this machine/],
    ["app.localhost", /this machine/],
    ["metadata.google.internal", /this machine or its private network/],
  ])("refuses %s by name", (host, reason) => {
    expect(() => checkHostName(host)).toThrow(reason);
  });

  it("names the setting that allows private targets", () => {
    expect(() => checkHostName("10.0.0.1")).toThrow(/HERALD_ALLOW_PRIVATE_TARGETS=1/);
  });

  it("lets ordinary names through to the DNS check", () => {
    expect(() => checkHostName("hooks.slack.com")).not.toThrow();
    expect(() => checkHostName("0xdead.example")).not.toThrow();
  });
});

describe("assertPublicHost", () => {
  const fakeDns =
    (answers: Record<string, string[]>): LookupAll =>
    async (host) => {
      const addresses = answers[host];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    };

  it("refuses a hostname that resolves to loopback", async () => {
    await expect(assertPublicHost("rebind.example", { allowPrivate: false, lookup: fakeDns({ "rebind.example": ["127.0.0.1"] }) })).rejects.toThrow(
      /rebind\.example resolves to 127\.0\.0\.1, which is a loopback address/,
    );
  });

  it("refuses when any one of several answers is private", async () => {
    const lookup = fakeDns({ "mixed.example": ["93.184.216.34", "10.0.0.7"] });
    await expect(assertPublicHost("mixed.example", { allowPrivate: false, lookup })).rejects.toThrow(/10\.0\.0\.7.*private/);
  });

  it("accepts a hostname with only public answers", async () => {
    const lookup = fakeDns({ "ok.example": ["93.184.216.34", "2606:4700::1"] });
    await expect(assertPublicHost("ok.example", { allowPrivate: false, lookup })).resolves.toBeUndefined();
  });

  it("lets everything through when private targets are allowed", async () => {
    await expect(assertPublicHost("127.0.0.1", { allowPrivate: true })).resolves.toBeUndefined();
  });
});

describe("the guarded dispatcher refuses at connect time", () => {
  let receiver: Receiver;
  let target: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    target = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await target.close();
  });

  const guarded = (lookup?: LookupAll) => createGuardedAgent({ allowPrivate: false, lookup });
  const post = (url: string, dispatcher = guarded()) => postJson(url, { body: "{}" }, { poster: posterThrough(dispatcher) });

  it.each([
    (port: number) => `http://127.0.0.1:${port}/hook`,
    (port: number) => `http://[::1]:${port}/hook`,
    (port: number) => `http://[::ffff:127.0.0.1]:${port}/hook`,
    (port: number) => `http://[64:ff9b::7f00:1]:${port}/hook`,
    (port: number) => `http://2130706433:${port}/hook`,
    (port: number) => `http://0x7f.1:${port}/hook`,
    (port: number) => `http://localhost.:${port}/hook`,
    () => "http://10.0.0.1/hook",
    () => "http://169.254.169.254/latest/meta-data/",
  ])("refuses %s without sending anything", async (urlOf) => {
    const before = receiver.requests.length;
    const result = await post(urlOf(receiver.port));
    expect(result.ok).toBe(false);
    expect(result.retryable).toBe(false);
    expect(result.error).toMatch(/refused by the address guard: .*(loopback|private|metadata|this machine|link-local)/);
    expect(receiver.requests.length).toBe(before);
  });

  it("refuses a hostname whose DNS answer is loopback, on the address it would connect to", async () => {
    const before = receiver.requests.length;
    const lookup: LookupAll = async () => [{ address: "127.0.0.1", family: 4 }];
    const result = await post(`http://rebinding.example:${receiver.port}/hook`, guarded(lookup));
    expect(result.error).toMatch(/rebinding\.example resolves to 127\.0\.0\.1, which is a loopback address/);
    expect(receiver.requests.length).toBe(before);
  });

  it("connects when the operator allows private targets", async () => {
    const result = await post(receiver.url(), createGuardedAgent({ allowPrivate: true }));
    expect(result).toMatchObject({ ok: true, statusCode: 200 });
  });

  it("never follows a redirect, even to an address it could reach", async () => {
    receiver.answer(() => ({ status: 302, headers: { location: target.url("/inside") } }));
    const result = await post(receiver.url(), createGuardedAgent({ allowPrivate: true }));
    receiver.answer(() => ({ status: 200, body: "ok" }));
    expect(result.ok).toBe(false);
    expect(result.statusCode).toBe(302);
    expect(result.error).toMatch(/redirects are not followed/);
    expect(target.requests).toHaveLength(0);
  });

  it("never follows a redirect to a private address", async () => {
    receiver.answer(() => ({ status: 307, headers: { location: "http://169.254.169.254/latest/meta-data/" } }));
    const result = await post(receiver.url(), createGuardedAgent({ allowPrivate: true }));
    receiver.answer(() => ({ status: 200, body: "ok" }));
    expect(result.error).toMatch(/307 Temporary Redirect \(to 169\.254\.169\.254\); redirects are not followed/);
  });
});
