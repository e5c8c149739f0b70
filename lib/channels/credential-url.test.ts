import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels } from "@/db/schema";
import { createChannel, getChannel, updateChannel } from "@/lib/channels/service";
import type { Actor } from "@/lib/auth/permissions";
import { urlCarriesCredential } from "./credential-url";
import { dispatchOnce } from "@/lib/dispatch/run";
import { queueDelivery } from "@/lib/dispatch/test-support";
import { createChannelSchema, patchChannelSchema } from "@/lib/validation/channels";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { startReceiver, useTestEnvironment, type Receiver } from "./testing/receivers";

/**
 * A webhook URL that carries a credential is a secret (issue #19 §4): sealed
 * at rest, read back as a hint only, and still posted to in full.
 */
const actor: Actor = { type: "system", label: "test" };
let db: Db;
let orgId: string;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "1" });
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
});
afterAll(async () => {
  await receiver.close();
  await closeTestDb(db);
});

describe("a credential in a webhook URL", () => {
  it.each([
    ["https://hooks.example.com/in?token=abc123", true],
    ["https://hooks.example.com/in?sig=abc&sp=r", true],
    ["https://user:pw@hooks.example.com/in", true],
    ["https://n8n.example.com/webhook/3f1c9a7e-5b2d-4c8f-9e1a-7b6d5c4e3f2a", true],
    ["https://hooks.zapier.com/hooks/catch/123456/abcdefg/", true],
    ["https://alerts.example.com/hook/a1b2c3d4e5f6", true],
    // A random token without a digit (a 32-character base64url token has none once in ~250: a request catcher's leaked so).
    ["https://herald.example.com/catch/cwAPMVJTMZCFUsledLLLAX-JxAUEwCBY", true],
    ["https://example.com/hooks/incoming-notifications-for-deployments", false],
    ["https://example.com/herald-hook", false],
    ["https://example.com/api/v1/notifications?format=json", false],
    ["https://ops.example.com/alerts/deployment-failures", false],
  ])("%s carries a credential: %s", (url, expected) => {
    expect(urlCarriesCredential(url)).toBe(expected);
  });

  it("is sealed, shown as a hint, kept by an edit that does not name it, and posted to in full", async () => {
    const url = receiver.url("/in?token=SECRET-abc123&team=ops");
    const made = await createChannel(db, orgId, actor, createChannelSchema.parse({ type: "webhook", name: "tokened", url, skipTest: true }));
    const [row] = await db.select().from(channels).where(eq(channels.id, made.id));
    expect(row.settings.url).toBeUndefined();
    expect(JSON.stringify(row.secrets)).not.toContain("SECRET-abc123");
    const shown = await getChannel(db, orgId, made.id);
    expect(shown.url).toEqual({ configured: true, hint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/in\/\*\*\*\*$/) });
    expect(JSON.stringify(shown)).not.toContain("SECRET-abc123");

    await updateChannel(db, orgId, actor, made.id, patchChannelSchema.parse({ name: "renamed", url: { configured: true } }));
    await queueDelivery(db, { orgId, channelId: made.id });
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect(receiver.requests.map((r) => r.path)).toEqual(["/in?token=SECRET-abc123&team=ops"]);
  });

  it("a plain URL stays plain; one stored in plain text before this is still shown only as a hint", async () => {
    const plain = await createChannel(
      db,
      orgId,
      actor,
      createChannelSchema.parse({ type: "webhook", name: "plain", url: receiver.url("/plain"), skipTest: true }),
    );
    expect((await getChannel(db, orgId, plain.id)).url).toBe(receiver.url("/plain"));
    await db
      .update(channels)
      .set({ settings: { url: "https://hooks.example.com/in?token=OLD-secret", format: "array", authMethod: "none" } })
      .where(eq(channels.id, plain.id));
    const legacy = await getChannel(db, orgId, plain.id);
    expect(JSON.stringify(legacy)).not.toContain("OLD-secret");
    expect(legacy.target).toBe("https://hooks.example.com/in/****");
  });
});
