import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChannel } from "@/lib/channels/service";
import { posterThrough } from "@/lib/net/post";
import { postJson } from "@/lib/channels/http";
import { startReceiver, useTestEnvironment, type Receiver } from "@/lib/channels/testing/receivers";
import { checkUrlTarget } from "@/lib/channels/target-check";
import { sendChannelTest } from "@/lib/channels/test-send";
import { createChannelSchema } from "@/lib/validation/channels";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { checkHostName, type LookupAll } from "./address-guard";
import { createGuardedAgent } from "./guarded-agent";

/**
 * What address-guard.test.ts leaves out: DNS rebinding end to end (a name
 * that is public when the channel is saved and loopback when it is sent), the
 * all-zero addresses that Linux connects to this machine (`0.0.0.0`, `[::]`),
 * and the save-time check on the same spellings. Private targets are not
 * allowed here, as in production.
 */

useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "0" });

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});

/** An attacker's DNS: a public address for the first question, loopback for every later one. */
function rebindingResolver(): LookupAll & { questions: number } {
  const lookup = (async () => {
    lookup.questions++;
    return lookup.questions === 1 ? [{ address: "93.184.216.34", family: 4 }] : [{ address: "127.0.0.1", family: 4 }];
  }) as unknown as LookupAll & { questions: number };
  lookup.questions = 0;
  return lookup;
}

describe("DNS rebinding", () => {
  it("a channel saved while its name was public is refused at send time, when the name answers 127.0.0.1", async () => {
    const db = await testDb();
    try {
      const { org } = await seedOrg(db, "acme");
      const lookup = rebindingResolver();
      const url = `http://rebind.attacker.example:${receiver.port}/hook`;
      const channel = await createChannel(db, org.id, { type: "system", label: "test" }, createChannelSchema.parse({ type: "webhook", name: "Rebind", url }), {
        allowPrivate: false,
        lookup,
      });
      expect(lookup.questions).toBe(1);
      const before = receiver.requests.length;
      const result = await sendChannelTest(db, org.id, channel.id, { poster: posterThrough(createGuardedAgent({ allowPrivate: false, lookup })) });
      expect(lookup.questions).toBeGreaterThanOrEqual(2);
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/rebind\.attacker\.example resolves to 127\.0\.0\.1, which is a loopback address/);
      expect(receiver.requests.length).toBe(before);
    } finally {
      await closeTestDb(db);
    }
  });

  it("the send-time check runs on every new connection, not once per name", async () => {
    const lookup = rebindingResolver();
    const agent = createGuardedAgent({ allowPrivate: false, lookup });
    // The first answer is public (nothing listens there from this sandbox): the attempt fails on the network, not the guard.
    const first = await postJson(`http://rebind2.attacker.example:${receiver.port}/hook`, { body: "{}" }, { poster: posterThrough(agent), timeoutMs: 1500 });
    expect(first.ok).toBe(false);
    expect(first.error ?? "").not.toMatch(/address guard/);
    const second = await postJson(`http://rebind2.attacker.example:${receiver.port}/hook`, { body: "{}" }, { poster: posterThrough(agent), timeoutMs: 1500 });
    expect(second.error).toMatch(/refused by the address guard: .*loopback/);
    await agent.close();
  });
});

describe("all-zero and other spellings of this machine", () => {
  it.each(["0.0.0.0", "[::]", "0", "0x0", "[0:0:0:0:0:0:0:0]", "[::ffff:0.0.0.0]", "localhost.", "LocalHost."])("refuses %s by name", (host) => {
    expect(() => checkHostName(host)).toThrow(/unspecified|this machine|loopback/);
  });

  it.each([(port: number) => `http://0.0.0.0:${port}/hook`, (port: number) => `http://[::]:${port}/hook`, (port: number) => `http://0:${port}/hook`])(
    "refuses %s at connect time without sending (Linux routes it to this machine)",
    async (urlOf) => {
      const before = receiver.requests.length;
      const result = await postJson(urlOf(receiver.port), { body: "{}" }, { poster: posterThrough(createGuardedAgent({ allowPrivate: false })) });
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/refused by the address guard: .*unspecified/);
      expect(receiver.requests.length).toBe(before);
    },
  );

  it.each([
    "http://[::]/hook",
    "http://0x7f.1/hook",
    "http://localhost./hook",
    "http://2130706433/hook",
    "http://[::ffff:7f00:1]/hook",
    "http://[64:ff9b::7f00:1]/hook",
  ])("refuses %s when a channel is saved", async (url) => {
    const problems = await checkUrlTarget(url, { allowPrivate: false });
    expect(problems.url?.[0]).toMatch(/HERALD_ALLOW_PRIVATE_TARGETS=1/);
  });
});
