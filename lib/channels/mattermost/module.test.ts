import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { createChannel, getChannel } from "@/lib/channels/service";
import type { Actor } from "@/lib/auth/permissions";
import { createChannelSchema } from "@/lib/validation/channels";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { sendChannelTest } from "../test-send";
import { HOSTILE, makeEvent, manyEvents, wideData } from "../testing/events";
import { startReceiver, useTestEnvironment, type Receiver } from "../testing/receivers";
import { MATTERMOST_LIMITS, mattermost, renderMattermostMessage, type MattermostMessage } from "./module";

const KEY = "xk9p3m2qa7bd5rt8wy4zc6nv1e";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What Herald keeps to for every Mattermost server (4,000 characters a message before 5.0). */
function expectWithinLimits(message: MattermostMessage) {
  expect(message.text.length).toBeLessThanOrEqual(MATTERMOST_LIMITS.text);
  for (const a of message.attachments) {
    expect(a.title.length).toBeGreaterThan(0);
    expect(a.title.length).toBeLessThanOrEqual(MATTERMOST_LIMITS.title);
    expect(a.fallback.length).toBeLessThanOrEqual(MATTERMOST_LIMITS.fallback);
    expect((a.text ?? "").length + message.text.length).toBeLessThanOrEqual(MATTERMOST_LIMITS.text);
    expect(a.fields.length).toBeLessThanOrEqual(MATTERMOST_LIMITS.fields);
    for (const f of a.fields) {
      expect(f.value.length).toBeGreaterThan(0);
      expect(f.value.length).toBeLessThanOrEqual(MATTERMOST_LIMITS.fieldValue);
    }
  }
  expect(JSON.stringify(message)).not.toMatch(LONE_SURROGATE);
}

describe("mattermost rendering", () => {
  it("sends one message per event: an attachment coloured by severity, with the event's fields and links", () => {
    expect(mattermost.render({ type: "mattermost", settings: {}, secrets: {} }, manyEvents(7))).toHaveLength(7);
    const message = renderMattermostMessage(makeEvent());
    const [attachment] = message.attachments;
    expect(attachment.title).toBe("Deployment 1 failed");
    expect(attachment.title_link).toBe("https://herald.example/o/acme/events/evt_1");
    expect(attachment.fallback).toBe("[ERROR] Deployment 1 failed");
    expect(attachment.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(attachment.fields.slice(0, 4).map((f) => [f.title, f.value])).toEqual([
      ["Severity", "ERROR"],
      ["Type", "deployment.failed"],
      ["Product", "Shop"],
      ["Time", "2025-03-01T12:00:00Z"],
    ]);
    expect(attachment.fields.find((f) => f.title === "environment")?.value).toBe("production");
    expect(message.text).toContain("[View in Herald](https://herald.example/o/acme/events/evt_1)");
    expectWithinLimits(message);
  });

  it("shows hostile text as typed: markdown escaped, no @mention of anyone, no link of the sender's", () => {
    const message = renderMattermostMessage(makeEvent({ title: HOSTILE, data: { note: `${HOSTILE} @alice @all`, "@bob": "x" }, text: HOSTILE }));
    const json = JSON.stringify(message);
    // Every "@" is followed by a zero-width space: Mattermost notifies nobody.
    expect(json).not.toMatch(/@(everyone|here|channel|all|alice|bob)/);
    const [attachment] = message.attachments;
    expect(attachment.text).toContain("\\[click\\]\\(https://evil.example\\)");
    expect(attachment.text).toContain("\\*\\*bold\\*\\*");
    expect(attachment.fields.find((f) => f.value.includes("click"))?.value).toContain("\\[click\\]");
    expectWithinLimits(message);
  });

  it("keeps within the limits for long text and wide data, and says how many fields were left out", () => {
    const long = "x".repeat(20_000);
    const message = renderMattermostMessage(makeEvent({ title: long, data: wideData(60, 5_000), text: long }));
    expectWithinLimits(message);
    expect(message.attachments[0].fields.at(-1)?.value).toMatch(/^\d+ more data fields, shown in Herald$/);
  });
});

describe("a Mattermost channel", () => {
  const actor: Actor = { type: "system", label: "test" };
  let db: Db;
  let orgId: string;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "1", HERALD_PUBLIC_URL: "https://herald.example" });
    db = await testDb();
    orgId = (await seedOrg(db, "acme", ["owner"])).org.id;
  });
  afterAll(async () => {
    await receiver.close();
    await closeTestDb(db);
  });

  it("takes a server's hook URL (any host, port and path prefix) and refuses anything else, naming the field", () => {
    const parse = (url: string) => createChannelSchema.safeParse({ type: "mattermost", name: "mm", url });
    expect(parse(`https://chat.example.com/hooks/${KEY}`).success).toBe(true);
    expect(parse(`http://mm.internal:8065/team-chat/hooks/${KEY}`).success).toBe(true);
    for (const wrong of [
      "https://chat.example.com/hooks/short",
      `ftp://chat.example.com/hooks/${KEY}`,
      `https://u:p@chat.example.com/hooks/${KEY}`,
      "not a url",
    ]) {
      const result = parse(wrong);
      expect(result.success, wrong).toBe(false);
      expect(result.error?.issues[0].path).toEqual(["url"]);
    }
  });

  it("keeps the URL sealed, reads it back masked, and posts its test message to the server", async () => {
    const url = receiver.url(`/hooks/${KEY}`);
    const channel = await createChannel(db, orgId, actor, createChannelSchema.parse({ type: "mattermost", name: "ops", url }));
    const read = await getChannel(db, orgId, channel.id);
    expect(JSON.stringify(read)).not.toContain(KEY);
    expect(read.url).toEqual({ configured: true, hint: expect.stringContaining("/hooks/") });
    expect(read.flood).toEqual({ limit: 30, minutes: 5 });

    const before = receiver.requests.length;
    expect(await sendChannelTest(db, orgId, channel.id)).toEqual({ ok: true, status: 200, durationMs: expect.any(Number) });
    const [request] = receiver.requests.slice(before);
    expect(request.path).toBe(`/hooks/${KEY}`);
    expect(request.headers["content-type"]).toMatch(/^application\/json/);
    const body = JSON.parse(request.body) as MattermostMessage;
    expect(body.username).toBe("Herald");
    expect(body.attachments).toHaveLength(1);
    expectWithinLimits(body);
  });
});
