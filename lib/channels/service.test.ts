import { asc, eq, inArray, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rowsOf, type Db } from "@/db/client";
import { auditEntries, channels, memberships, productAdmins, products, ruleChannels, rules, users } from "@/db/schema";
import { useTestEnvironment } from "@/lib/channels/testing/receivers";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import type { Actor } from "@/lib/auth/permissions";
import { createChannelSchema, patchChannelSchema } from "@/lib/validation/channels";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import {
  createChannel,
  deleteChannel,
  getChannel,
  listChannels,
  loadSendableChannel,
  recipientGroupResolver,
  revealSigningSecret,
  rotateSigningSecret,
  updateChannel,
} from "./service";

useTestEnvironment({ SMTP_URL: "smtp://127.0.0.1:2525", HERALD_ALLOW_PRIVATE_TARGETS: "0" });

const SLACK_URL = "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/slackSECRETvalue123456";
const actor: Actor = { type: "system", label: "test" };
// Every save-time DNS check in this file answers with a public address (no network here).
const publicDns = { lookup: async () => [{ address: "93.184.216.34", family: 4 }] };

let db: Db;
let orgId: string;
beforeEach(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme", ["owner", "admin", "member"])).org.id;
});
afterEach(async () => {
  await closeTestDb(db);
});

const create = (body: unknown, options = {}) => createChannel(db, orgId, actor, createChannelSchema.parse(body), { ...publicDns, ...options });
const update = (id: string, patch: unknown) => updateChannel(db, orgId, actor, id, patchChannelSchema.parse(patch), publicDns);
/** The stored row as the database holds it, JSON columns as their text (SQLite keeps text; PostgreSQL's jsonb is read back parsed). */
const rawRow = async (id: string) => {
  const [row] = await rowsOf<Record<string, unknown>>(db, sql`select * from channels where id = ${id}`);
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v !== null && typeof v === "object" && !(v instanceof Date) ? JSON.stringify(v) : v]));
};

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}

describe("creating channels", () => {
  it("stores a Slack URL sealed and reads it back as configured with a hint", async () => {
    const channel = await create({ type: "slack", name: "Ops", url: SLACK_URL });
    expect(channel).toMatchObject({
      type: "slack",
      name: "Ops",
      enabled: true,
      url: { configured: true, hint: "https://hooks.slack.com/services/T0…/****" },
      target: "https://hooks.slack.com/services/T0…/****",
      health: "healthy",
    });
    expect(JSON.stringify(channel)).not.toContain("slackSECRETvalue");
    expect(JSON.stringify(await rawRow(channel.id))).not.toContain("slackSECRETvalue");
    expect((await loadSendableChannel(db, channel.id))!.secrets.url).toBe(SLACK_URL);
  });

  it("gives every webhook a signing secret, revealed only through the audited call", async () => {
    const channel = await create({
      type: "webhook",
      name: "Hook",
      url: "https://example.com/hook",
      auth: { method: "bearer", token: "tok_SECRET_0123456789" },
    });
    expect(channel).toMatchObject({
      url: "https://example.com/hook",
      format: "array",
      auth: { method: "bearer", token: { configured: true, hint: "****6789" } },
      signingSecret: { configured: true },
    });
    const secret = await revealSigningSecret(db, orgId, actor, channel.id);
    expect(secret).toMatch(/^whsec_/);
    expect(JSON.stringify(channel)).not.toContain(secret.slice(6));
    expect(JSON.stringify(await rawRow(channel.id))).not.toContain("tok_SECRET");
    expect(await db.select().from(auditEntries).where(eq(auditEntries.action, "channel.secret_revealed"))).toHaveLength(1);
  });

  it("refuses e-mail with 422 when SMTP_URL is not configured", async () => {
    const saved = env().SMTP_URL;
    env().SMTP_URL = undefined;
    try {
      const error = await failure(create({ type: "email", name: "Mail", recipients: "a@x.org" }));
      expect(error.status).toBe(422);
      expect(error.fields?.type?.[0]).toMatch(/operator must set SMTP_URL/);
    } finally {
      env().SMTP_URL = saved;
    }
    expect(await listChannels(db, orgId)).toHaveLength(0);
  });

  it("refuses a webhook whose host is or resolves to a private address, naming the url field", async () => {
    const literal = await failure(create({ type: "webhook", name: "h", url: "http://127.0.0.1:8080/hook" }));
    expect(literal.fields?.url?.[0]).toMatch(/127\.0\.0\.1.*loopback.*HERALD_ALLOW_PRIVATE_TARGETS=1/);
    const rebinding = await failure(
      createChannel(db, orgId, actor, createChannelSchema.parse({ type: "webhook", name: "h", url: "https://internal.example/hook" }), {
        lookup: async () => [{ address: "10.1.2.3", family: 4 }],
      }),
    );
    expect(rebinding.fields?.url?.[0]).toMatch(/internal\.example resolves to 10\.1\.2\.3, which is a private/);
    expect(await listChannels(db, orgId)).toHaveLength(0);
  });

  it("accepts a host that does not resolve now (the send-time check still applies)", async () => {
    const channel = await createChannel(db, orgId, actor, createChannelSchema.parse({ type: "slack", name: "s", url: SLACK_URL }), {
      lookup: async () => {
        throw Object.assign(new Error("offline"), { code: "EAI_AGAIN" });
      },
    });
    expect(channel.type).toBe("slack");
  });

  it("records channel.created in the audit log without secret values", async () => {
    await create({ type: "discord", name: "D", url: "https://discord.com/api/webhooks/123/discordSECRET" });
    const entries = await db.select().from(auditEntries).where(eq(auditEntries.action, "channel.created"));
    expect(entries).toHaveLength(1);
    expect(JSON.stringify(entries)).not.toContain("discordSECRET");
  });
});

describe("updating channels", () => {
  it("keeps a secret that the patch leaves out, or sends back as read", async () => {
    const channel = await create({ type: "slack", name: "Ops", url: SLACK_URL });
    const before = (await rawRow(channel.id)).secrets;
    await update(channel.id, { name: "Ops 2" });
    await update(channel.id, { url: channel.url });
    expect((await rawRow(channel.id)).secrets).toBe(before);
    expect((await loadSendableChannel(db, channel.id))!.secrets.url).toBe(SLACK_URL);
    expect((await getChannel(db, orgId, channel.id)).name).toBe("Ops 2");
  });

  it("replaces a secret and its hint", async () => {
    const channel = await create({ type: "slack", name: "Ops", url: SLACK_URL });
    const next = await update(channel.id, { url: "https://hooks.slack.com/services/TZZ/BZZ/other" });
    expect(next.url).toEqual({ configured: true, hint: "https://hooks.slack.com/services/TZ…/****" });
    expect((await loadSendableChannel(db, channel.id))!.secrets.url).toBe("https://hooks.slack.com/services/TZZ/BZZ/other");
  });

  it("null clears a secret; a required one then fails validation and nothing is saved", async () => {
    const channel = await create({ type: "slack", name: "Ops", url: SLACK_URL });
    const error = await failure(update(channel.id, { name: "renamed", url: null }));
    expect(error.fields).toEqual({ url: ["is required"] });
    expect((await getChannel(db, orgId, channel.id)).name).toBe("Ops");
  });

  it("switching the auth method clears the old method's credentials", async () => {
    const channel = await create({ type: "webhook", name: "h", url: "https://example.com", auth: { method: "bearer", token: "old-token-0123456789" } });
    const basic = await update(channel.id, { auth: { method: "basic", username: "bob", password: "pw" } });
    expect(basic.auth).toEqual({ method: "basic", username: "bob", password: { configured: true, hint: "********" } });
    const stored = (await loadSendableChannel(db, channel.id))!;
    expect(stored.secrets.token).toBeUndefined();
    expect(Object.keys(stored.secrets).sort()).toEqual(["password", "signingSecret"]);
    expect(JSON.stringify(await rawRow(channel.id))).not.toContain("****6789");
  });

  it("switching to a method without its credentials names the missing field", async () => {
    const channel = await create({ type: "webhook", name: "h", url: "https://example.com", auth: { method: "bearer", token: "t" } });
    const error = await failure(update(channel.id, { auth: { method: "apikey", headerValue: "v" } }));
    expect(error.fields).toEqual({ "auth.headerName": ["is required"] });
    expect((await loadSendableChannel(db, channel.id))!.secrets.token).toBe("t");
  });

  it("within the same method, a patch changes only what it names", async () => {
    const channel = await create({ type: "webhook", name: "h", url: "https://example.com", auth: { method: "basic", username: "bob", password: "pw" } });
    await update(channel.id, { auth: { username: "alice" } });
    const stored = (await loadSendableChannel(db, channel.id))!;
    expect(stored.settings.username).toBe("alice");
    expect(stored.secrets.password).toBe("pw");
  });

  it("limits an inbox to named members, checking that each is a member of this org", async () => {
    const channel = await create({ type: "inbox", name: "In", members: "ADMIN1@acme.test, member2@acme.test" });
    expect(channel).toMatchObject({ members: ["admin1@acme.test", "member2@acme.test"], target: "Console inbox of admin1@acme.test, member2@acme.test" });

    const strangers = await failure(create({ type: "inbox", name: "Out", members: ["owner0@acme.test", "owner0@other.test"] }));
    expect(strangers.fields).toEqual({ "members.1": ["owner0@other.test is not a member of this organization"] });
    expect((await listChannels(db, orgId)).map((c) => c.name)).toEqual(["In"]);

    const added = await failure(update(channel.id, { members: ["admin1@acme.test", "nobody@acme.test"] }));
    expect(added.fields).toEqual({ "members.1": ["nobody@acme.test is not a member of this organization"] });

    // A named member who left does not block other edits.
    await db.delete(memberships).where(inArray(memberships.userId, db.select({ id: users.id }).from(users).where(eq(users.email, "member2@acme.test"))));
    expect(await update(channel.id, { name: "Renamed" })).toMatchObject({ name: "Renamed", members: ["admin1@acme.test", "member2@acme.test"] });

    expect(await update(channel.id, { members: null })).toMatchObject({ members: [], target: "Console inbox of every member" });
    expect((await rawRow(channel.id)).settings).toBe("{}");
  });

  it("refuses to change the type", async () => {
    const channel = await create({ type: "inbox", name: "In" });
    const error = await failure(update(channel.id, { type: "slack" }));
    expect(error.fields?.type?.[0]).toMatch(/cannot be changed/);
  });

  it("re-enabling a channel the dispatcher disabled makes it healthy again", async () => {
    const channel = await create({ type: "inbox", name: "In" });
    await db.update(channels).set({ enabled: false, health: "disabled", consecutiveFailures: 9 }).where(eq(channels.id, channel.id));
    const next = await update(channel.id, { enabled: true });
    expect(next).toMatchObject({ enabled: true, health: "healthy", consecutiveFailures: 0 });
  });

  it("records which fields changed, never their values", async () => {
    const channel = await create({ type: "webhook", name: "h", url: "https://example.com", auth: { method: "bearer", token: "first-token-value" } });
    await update(channel.id, { auth: { token: "second-token-value" }, format: "envelope" });
    const [entry] = await db.select().from(auditEntries).where(eq(auditEntries.action, "channel.updated")).limit(1);
    expect(entry.details).toEqual({ changed: expect.arrayContaining(["format", "auth.token"]) });
    expect(JSON.stringify(entry)).not.toMatch(/first-token|second-token/);
  });
});

describe("deleting channels", () => {
  it("removes the channel from the rules that use it, in the same transaction, and names them", async () => {
    const channel = await create({ type: "inbox", name: "In" });
    const other = await create({ type: "inbox", name: "Other" });
    for (const [id, name, chans] of [
      ["r1", "Deploys", [channel.id, other.id]],
      ["r2", "Billing", [channel.id]],
      ["r3", "Unrelated", [other.id]],
    ] as const) {
      await db.insert(rules).values({ id, orgId, name, eventTypes: "all", severities: ["alert"] });
      for (const c of chans) await db.insert(ruleChannels).values({ ruleId: id, channelId: c });
    }
    // "Billing" sends only there: refused, naming it, nothing changed.
    await expect(deleteChannel(db, orgId, actor, channel.id)).rejects.toThrow(/"In" is the only channel of rule "Billing"/);
    expect(await db.select().from(ruleChannels)).toHaveLength(4);
    await db.insert(ruleChannels).values({ ruleId: "r2", channelId: other.id });
    const result = await deleteChannel(db, orgId, actor, channel.id);
    expect(result.removedFromRules).toEqual([
      { id: "r2", name: "Billing" },
      { id: "r1", name: "Deploys" },
    ]);
    expect((await db.select().from(ruleChannels).orderBy(asc(ruleChannels.ruleId))).map((r) => r.channelId)).toEqual([other.id, other.id, other.id]);
    expect(await db.select().from(rules)).toHaveLength(3);
    await expect(getChannel(db, orgId, channel.id)).rejects.toThrow(/Channel not found/);
    expect(await db.select().from(auditEntries).where(eq(auditEntries.action, "channel.removed"))).toHaveLength(1);
  });

  it("a channel of another org is not found", async () => {
    const channel = await create({ type: "inbox", name: "In" });
    const otherOrg = (await seedOrg(db, "other")).org.id;
    await expect(deleteChannel(db, otherOrg, actor, channel.id)).rejects.toThrow(/Channel not found/);
  });
});

describe("signing secrets", () => {
  it("rotation replaces the secret and is audited", async () => {
    const channel = await create({ type: "webhook", name: "h", url: "https://example.com" });
    const first = await revealSigningSecret(db, orgId, actor, channel.id);
    const rotated = await rotateSigningSecret(db, orgId, actor, channel.id);
    expect(rotated).not.toBe(first);
    expect(await revealSigningSecret(db, orgId, actor, channel.id)).toBe(rotated);
    expect(await db.select().from(auditEntries).where(eq(auditEntries.action, "channel.secret_rotated"))).toHaveLength(1);
  });

  it("only webhooks have one", async () => {
    const channel = await create({ type: "inbox", name: "In" });
    await expect(revealSigningSecret(db, orgId, actor, channel.id)).rejects.toThrow(/Only webhook channels/);
  });
});

describe("recipient groups", () => {
  it("resolves owners, admins and a product's admins", async () => {
    const { org, members } = await seedOrg(db, "groups", ["owner", "admin", "admin", "member"]);
    await db.insert(products).values({ id: "prd_1", orgId: org.id, slug: "shop", name: "Shop" });
    await db.insert(productAdmins).values({ productId: "prd_1", userId: members[3].id });
    const resolve = recipientGroupResolver(db, org.id);
    expect(await resolve("@owners", null)).toEqual(["owner0@groups.test"]);
    expect([...(await resolve("@admins", null))].sort()).toEqual(["admin1@groups.test", "admin2@groups.test"]);
    expect(await resolve("@product-admins", "shop")).toEqual(["member3@groups.test"]);
    expect(await resolve("@product-admins", null)).toEqual([]);
  });
});
