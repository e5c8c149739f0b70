import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MockAgent } from "undici";
import { posterThrough } from "@/lib/net/post";
import type { Db } from "@/db/client";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { dispatchOnce } from "./run";
import { insertChannel, queueMany } from "./test-support";

process.env.HERALD_LOG_LEVEL = "info";
process.env.HERALD_ALLOW_PRIVATE_TARGETS = "1";
process.env.HERALD_RETRY_SCHEDULE = "60";

let lines: string[];
let agent: MockAgent;
let db: Db;

beforeEach(async () => {
  db = await testDb();
  lines = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
  agent = new MockAgent();
  agent.disableNetConnect();
  // The webhook goes to a real closed port: a real connection error, in words, without the URL.
  agent.enableNetConnect("127.0.0.1:1");
});

afterEach(async () => {
  vi.restoreAllMocks();
  await agent.close();
  await closeTestDb(db);
});

describe("attempt logs", () => {
  it("one JSON line per attempt with the facts, and no webhook URL, token or secret in any line", async () => {
    const orgId = (await seedOrg(db, "acme")).org.id;
    const slackUrl = "https://hooks.slack.com/services/T0SECRET/B0SECRET/xoxSECRETPATH";
    agent
      .get("https://hooks.slack.com")
      .intercept({ path: () => true, method: "POST" })
      .reply(500, "upstream broke")
      .persist();
    const slack = await insertChannel(db, orgId, { type: "slack", secrets: { url: slackUrl } });
    const hook = await insertChannel(db, orgId, {
      type: "webhook",
      settings: { url: "http://127.0.0.1:1/hook?key=QUERYSECRET", authMethod: "bearer" },
      secrets: { token: "BEARERSECRET", signingSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
    });
    agent.get("https://receiver.example").intercept({ path: "/ok", method: "POST" }).reply(200, "ok");
    const fine = await insertChannel(db, orgId, { type: "webhook", settings: { url: "https://receiver.example/ok", authMethod: "none" } });
    await queueMany(db, 1, { orgId, channelId: slack });
    await queueMany(db, 1, { orgId, channelId: hook });
    await queueMany(db, 1, { orgId, channelId: fine });

    const counts = await dispatchOnce(db, { deadlineMs: 20_000, poster: posterThrough(agent) });
    expect(counts.delivered).toBe(1);

    const attempts = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "delivery attempt");
    // The delivered one is in the delivery log, and on stdout only at debug.
    expect(attempts).toHaveLength(2);
    expect(attempts.some((a) => a.channelId === fine)).toBe(false);
    expect(attempts.find((a) => a.channelId === slack)).toMatchObject({ level: "info", outcome: "retry", statusCode: 500, channelType: "slack", attempt: 1 });
    expect(attempts.find((a) => a.channelId === hook)).toMatchObject({ outcome: "retry", channelType: "webhook", error: "connection refused by 127.0.0.1:1" });
    const all = lines.join("\n");
    for (const secret of ["SECRET", "hooks.slack.com/services", "QUERYSECRET", "BEARERSECRET", "whsec_", "/hook"]) expect(all).not.toContain(secret);
  });
});
