import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { asc, eq } from "drizzle-orm";
import { engineOf, postgresPoolOf, sqliteOf, type Db } from "@/db/client";
import { createChannel } from "@/lib/channels/service";
import { channels } from "@/db/schema";
import { startReceiver, useTestEnvironment, type Receiver } from "@/lib/channels/testing/receivers";
import { decodeKey, env, keyId } from "@/lib/env";
import { newId } from "@/lib/ids";
import { createChannelSchema } from "@/lib/validation/channels";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import { resealAll, RotationError, rotateEncryptionKey } from "./rotate";
import { openSecret, sealSecret } from "./secrets";

/**
 * `npm run herald -- rotate-key`, run as the operator runs it (a child
 * process on the same data dir and database): afterwards every channel secret
 * opens with the new key only, the old key is gone from the data dir, and a
 * webhook test-send from a process that loads the new key still reaches a
 * loopback receiver with its Authorization header.
 */

useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "1", SMTP_URL: "smtp://127.0.0.1:9" });
const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

let db: Db;
let receiver: Receiver;
let orgId: string;
const plain = new Map<string, Record<string, string>>();

async function channel(body: Record<string, unknown>, secrets: Record<string, string>) {
  const created = await createChannel(db, orgId, { type: "system", label: "test" }, createChannelSchema.parse(body));
  plain.set(created.id, secrets);
  return created.id;
}

/** Every secret of every channel, opened with exactly these keys. */
async function openEverything(keys: Buffer[]) {
  return Object.fromEntries(
    (await db.select().from(channels)).map((row) => [
      row.id,
      Object.fromEntries(
        Object.entries(row.secrets).map(([field, sealed]) => [field, openSecret(sealed, { orgId: row.orgId, channelId: row.id, field }, keys)]),
      ),
    ]),
  );
}

/** The DATABASE_URL of the test's database, for the CLI child process: the SQLite file, or the PostgreSQL database's URL. */
const databaseUrl = () => (engineOf(db) === "sqlite" ? sqliteOf(db).name : postgresPoolOf(db).options.connectionString!);

const runCli = (args: string[], extraEnv: Record<string, string> = {}) =>
  execFileAsync(path.join(ROOT, "node_modules/.bin/tsx"), ["bin/herald.ts", "rotate-key", ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl(), HERALD_LOG_LEVEL: "silent", ...extraEnv },
  });

let bearerChannel: string;

beforeAll(async () => {
  receiver = await startReceiver();
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  bearerChannel = await channel(
    {
      type: "webhook",
      name: "Bearer",
      url: receiver.url(),
      auth: { method: "bearer", token: "rotate-bearer-token-1" },
      signingSecret: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
    },
    { token: "rotate-bearer-token-1" },
  );
  await channel({ type: "webhook", name: "Headers", url: receiver.url(), auth: { method: "headers", headers: { "X-Team": "ops-secret-2" } } }, {});
  await channel(
    { type: "slack", name: "Slack", url: "https://hooks.slack.com/services/T0/B0/slack-secret-3" },
    { url: "https://hooks.slack.com/services/T0/B0/slack-secret-3" },
  );
  await channel({ type: "email", name: "Mail", recipients: "ops@example.test" }, {});
});

afterAll(async () => {
  await receiver.close();
  await closeTestDb(db);
});

describe("rotate-key with the key in the data dir", () => {
  it("re-seals every secret with a new key, in the data dir's key file, and removes the old key", async () => {
    const oldKey = env().encryptionKey;
    const before = await openEverything([oldKey]);
    const { stdout } = await runCli([]);
    expect(stdout).toMatch(/Re-sealed 5 secret\(s\) of 4 channel\(s\)/);
    expect(stdout).toMatch(/Stop Herald's server and workers/);
    const keyFile = path.join(env().dataDir, "encryption-key");
    const newKey = decodeKey(fs.readFileSync(keyFile, "utf8").trim());
    expect(keyId(newKey)).not.toBe(keyId(oldKey));
    expect(stdout).toContain(`with key ${keyId(newKey)} (was ${keyId(oldKey)})`);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(`${keyFile}.old`)).toBe(false);
    expect(fs.existsSync(`${keyFile}.new`)).toBe(false);
    expect(await openEverything([newKey])).toEqual(before);
    await expect(openEverything([oldKey])).rejects.toThrow(/sealed with key/);
    expect(before[bearerChannel].token).toBe("rotate-bearer-token-1");
  });

  it("a process that loads the new key still sends: a webhook test reaches the loopback receiver with its bearer token", async () => {
    // A fresh module graph reads the environment again, as a restarted server does.
    vi.resetModules();
    const fresh = await import("@/lib/env");
    expect(fresh.env().encryptionKeyId).not.toBe(env().encryptionKeyId);
    const { sendChannelTest } = await import("@/lib/channels/test-send");
    const before = receiver.requests.length;
    const result = await sendChannelTest(db, orgId, bearerChannel);
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(receiver.requests.slice(before).map((r) => r.headers.authorization)).toEqual(["Bearer rotate-bearer-token-1"]);
  });

  it("finishes a rotation that was interrupted after the database changed", async () => {
    const dataDir = env().dataDir;
    const current = decodeKey(fs.readFileSync(path.join(dataDir, "encryption-key"), "utf8").trim());
    const interrupted = crypto.randomBytes(32);
    fs.writeFileSync(path.join(dataDir, "encryption-key.new"), interrupted.toString("base64"), { mode: 0o600 });
    await resealAll(db, [current], interrupted);
    // The key file still holds the old key; the database is sealed with the new one.
    const result = await rotateEncryptionKey(db, { dataDir, currentKey: current, source: "data-dir" });
    expect(result).toMatchObject({ newKeyId: keyId(interrupted), resealed: 0, alreadyNew: 5 });
    expect(decodeKey(fs.readFileSync(path.join(dataDir, "encryption-key"), "utf8").trim()).equals(interrupted)).toBe(true);
    expect((await openEverything([interrupted]))[bearerChannel].token).toBe("rotate-bearer-token-1");
  });

  it("changes nothing when a secret opens with none of the keys, and says which", async () => {
    const dataDir = env().dataDir;
    const current = decodeKey(fs.readFileSync(path.join(dataDir, "encryption-key"), "utf8").trim());
    const strangerId = newId("ch");
    await db.insert(channels).values({
      id: strangerId,
      orgId,
      type: "webhook",
      name: "Stranger",
      settings: {},
      secrets: { token: sealSecret("x", { orgId, channelId: strangerId, field: "token" }, crypto.randomBytes(32)) },
    });
    const everyChannel = async () => JSON.stringify(await db.select().from(channels).orderBy(asc(channels.id)));
    const before = await everyChannel();
    await expect(rotateEncryptionKey(db, { dataDir, currentKey: current, source: "data-dir" })).rejects.toThrow(RotationError);
    await expect(rotateEncryptionKey(db, { dataDir, currentKey: current, source: "data-dir" })).rejects.toThrow(/Stranger.*"token".*Nothing was changed/);
    expect(await everyChannel()).toBe(before);
    expect(decodeKey(fs.readFileSync(path.join(dataDir, "encryption-key"), "utf8").trim()).equals(current)).toBe(true);
    await db.delete(channels).where(eq(channels.id, strangerId));
  });
});

describe("rotate-key with HERALD_ENCRYPTION_KEY in the environment", () => {
  it("prints the new key and the operator's steps before changing the database, and writes no key file", async () => {
    const current = decodeKey(fs.readFileSync(path.join(env().dataDir, "encryption-key"), "utf8").trim());
    const envDir = fs.mkdtempSync(path.join(path.dirname(env().dataDir), "herald-envkey-"));
    const { stdout } = await runCli([], { HERALD_DATA_DIR: envDir, HERALD_ENCRYPTION_KEY: current.toString("base64") });
    const printed = /New key: (\S+)/.exec(stdout)?.[1];
    expect(printed).toBeDefined();
    expect(stdout).toMatch(/Set HERALD_ENCRYPTION_KEY to it for every Herald process/);
    expect(stdout).toMatch(/run it again with --new-key/);
    expect(stdout.indexOf("New key:")).toBeLessThan(stdout.indexOf("Re-sealed"));
    expect(fs.readdirSync(envDir).filter((f) => f.startsWith("encryption-key"))).toEqual([]);
    expect((await openEverything([decodeKey(printed!)]))[bearerChannel].token).toBe("rotate-bearer-token-1");
  });

  it("refuses a --new-key that is not 32 bytes", async () => {
    await expect(runCli(["--new-key", "too-short"])).rejects.toMatchObject({ stderr: expect.stringMatching(/--new-key: must be 32 random bytes/) });
  });
});
