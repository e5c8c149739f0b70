import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels, type SealedSecret } from "@/db/schema";
import { parseArgs } from "node:util";
import { closeDb, engineOf, openDatabase, setDb } from "@/db/client";
import { decodeKey, EnvError, keyId, loadEnv } from "@/lib/env";
import { openSecret, sealSecret, SecretUnreadableError } from "./secrets";

/**
 * Rotating HERALD_ENCRYPTION_KEY (`npm run herald -- rotate-key`): every
 * channel secret is opened with the key that sealed it and sealed again with
 * the new key, all in ONE transaction, so the database never holds a mix it
 * cannot open. The key files are written so that a crash at any step leaves
 * a state the next run completes:
 *
 *   1. encryption-key.new  ← the new key (before the database changes)
 *   2. the transaction     re-seals every secret with the new key id
 *   3. encryption-key.old  ← the old key
 *   4. encryption-key.new  → encryption-key (an atomic rename)
 *   5. every secret is opened with the new key alone, then .old is removed
 *
 * A run reads every key it can find (the current one, .old, .new, --new-key),
 * so it can always open what an interrupted run left behind.
 * Running servers and workers keep the old key in memory: stop them first
 * (or restart them right after).
 */

const KEY_FILE = "encryption-key";

export type RotationOptions = {
  dataDir: string;
  /** The key Herald runs with now (HERALD_ENCRYPTION_KEY or the data-dir file). */
  currentKey: Buffer;
  source: "environment" | "data-dir";
  /** The new key; generated when absent (or taken from an interrupted run's encryption-key.new). */
  newKey?: Buffer;
  /** Keep encryption-key.old after a successful rotation (to open backups made before it). */
  keepOld?: boolean;
  /** Told before the database changes: the new key must be stored by the operator when it lives in the environment. */
  onNewKey?: (key: string) => void;
};

export type RotationResult = {
  oldKeyId: string;
  newKeyId: string;
  channels: number;
  resealed: number;
  alreadyNew: number;
  /** Where the new key is: the data-dir file, or nowhere on disk (environment: the operator sets it). */
  keyFile: string | null;
};

export class RotationError extends Error {
  override name = "RotationError";
}

const file = (dataDir: string, suffix = "") => path.join(dataDir, `${KEY_FILE}${suffix}`);

function readKeyFile(p: string): Buffer | null {
  try {
    return decodeKey(fs.readFileSync(p, "utf8").trim());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Writes a key file durably (the data must be on disk before the database refers to the key). */
function writeKeyFile(p: string, key: Buffer) {
  const tmp = `${p}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeSync(fd, key.toString("base64") + "\n");
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, p);
  syncDir(path.dirname(p));
}

function syncDir(dir: string) {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Re-seals every channel secret that is not already sealed with `newKey`, in
 * one transaction. A secret none of `keys` opens stops the whole rotation
 * (nothing is changed): it names the channel and the field.
 */
export async function resealAll(db: Db, keys: Buffer[], newKey: Buffer): Promise<{ channels: number; resealed: number; alreadyNew: number }> {
  const newKid = keyId(newKey);
  // On SQLite the transaction begins IMMEDIATE: no other writer until it ends. On
  // PostgreSQL the channels table is locked against writers (readers go on), so no
  // channel is added or changed between reading the secrets and writing them back.
  return db.transaction(async (tx) => {
    if (engineOf(tx) === "postgres") await tx.execute(sql`LOCK TABLE channels IN EXCLUSIVE MODE`);
    const rows = await tx
      .select({ id: channels.id, orgId: channels.orgId, name: channels.name, secrets: channels.secrets })
      .from(channels)
      .orderBy(channels.id);
    let resealed = 0;
    let alreadyNew = 0;
    for (const row of rows) {
      const next: Record<string, SealedSecret> = {};
      let changed = false;
      for (const [field, sealed] of Object.entries(row.secrets)) {
        if (sealed.kid === newKid) {
          alreadyNew++;
          next[field] = sealed;
          continue;
        }
        const scope = { orgId: row.orgId, channelId: row.id, field };
        let plain: string;
        try {
          plain = openSecret(sealed, scope, keys);
        } catch (e) {
          if (e instanceof SecretUnreadableError) {
            throw new RotationError(
              `channel ${row.id} ("${row.name}"), secret "${field}": ${e.message}. Nothing was changed. ` +
                "If an earlier rotate-key was interrupted, run it again with --new-key set to the key it printed.",
            );
          }
          throw e;
        }
        next[field] = sealSecret(plain, scope, newKey);
        resealed++;
        changed = true;
      }
      if (changed) await tx.update(channels).set({ secrets: next }).where(eq(channels.id, row.id));
    }
    return { channels: rows.length, resealed, alreadyNew };
  });
}

/** Every secret opens with `key` alone. */
async function verifyAll(db: Db, key: Buffer): Promise<void> {
  for (const row of await db.select({ id: channels.id, orgId: channels.orgId, secrets: channels.secrets }).from(channels)) {
    for (const [field, sealed] of Object.entries(row.secrets)) openSecret(sealed, { orgId: row.orgId, channelId: row.id, field }, [key]);
  }
}

export async function rotateEncryptionKey(db: Db, options: RotationOptions): Promise<RotationResult> {
  const { dataDir, currentKey, source } = options;
  const pending = readKeyFile(file(dataDir, ".new"));
  const previous = readKeyFile(file(dataDir, ".old"));
  const newKey = options.newKey ?? pending ?? crypto.randomBytes(32);
  if (newKey.equals(currentKey) && !pending) throw new RotationError("the new key is the key Herald already uses");
  const keys = [currentKey, previous, pending, newKey].filter((k): k is Buffer => k !== null);

  if (source === "data-dir") writeKeyFile(file(dataDir, ".new"), newKey);
  else options.onNewKey?.(newKey.toString("base64"));

  const counts = await resealAll(db, keys, newKey);

  let keyFile: string | null = null;
  if (source === "data-dir") {
    if (!currentKey.equals(newKey)) writeKeyFile(file(dataDir, ".old"), currentKey);
    fs.renameSync(file(dataDir, ".new"), file(dataDir));
    syncDir(dataDir);
    keyFile = file(dataDir);
  }
  await verifyAll(db, newKey);
  if (source === "data-dir" && !options.keepOld) fs.rmSync(file(dataDir, ".old"), { force: true });
  return { oldKeyId: keyId(currentKey), newKeyId: keyId(newKey), ...counts, keyFile };
}

/** `npm run herald -- rotate-key [--new-key KEY] [--keep-old]`: prints what it did and what the operator must do next. */
export async function runRotateKeyCommand(args: string[], print: (line: string) => void = console.log): Promise<RotationResult> {
  const { values } = parseArgs({ args, options: { "new-key": { type: "string" }, "keep-old": { type: "boolean" } } });
  const env = loadEnv();
  let newKey: Buffer | undefined;
  if (values["new-key"]) {
    try {
      newKey = decodeKey(values["new-key"]);
    } catch (e) {
      throw new RotationError(`--new-key: ${e instanceof EnvError ? "must be 32 random bytes, base64 or hex encoded" : (e as Error).message}`);
    }
  }
  let db: Db;
  try {
    db = await openDatabase();
  } catch (e) {
    throw new RotationError((e as Error).message);
  }
  setDb(db);
  const fromEnv = env.encryptionKeySource === "environment";
  print("Stop Herald's server and workers before rotating, or restart them right after: they keep the old key in memory.");
  try {
    const result = await rotateEncryptionKey(db, {
      dataDir: env.dataDir,
      currentKey: env.encryptionKey,
      source: env.encryptionKeySource,
      newKey,
      keepOld: values["keep-old"],
      onNewKey: (key) => {
        print("HERALD_ENCRYPTION_KEY is set in the environment, so Herald cannot store the new key for you. Next steps:");
        print("  1. Store the new key below where HERALD_ENCRYPTION_KEY comes from (your secret manager or service file), now.");
        print("  2. Set HERALD_ENCRYPTION_KEY to it for every Herald process (server and workers) and restart them.");
        print("     Until then they cannot open the channel secrets, and deliveries wait.");
        print("  3. If this command stops before it says it is done, run it again with --new-key set to this key.");
        print(`New key: ${key}`);
      },
    });
    print(
      `Re-sealed ${result.resealed} secret(s) of ${result.channels} channel(s) with key ${result.newKeyId} (was ${result.oldKeyId})${result.alreadyNew ? `; ${result.alreadyNew} already had it` : ""}.`,
    );
    print(
      fromEnv
        ? "Done. Now set HERALD_ENCRYPTION_KEY to the new key and restart Herald."
        : `Done. The new key is in ${result.keyFile}${values["keep-old"] ? ` (the old one stays in ${result.keyFile}.old)` : ""}. Restart Herald's server and workers.`,
    );
    return result;
  } finally {
    setDb(undefined);
    await closeDb(db);
  }
}
