import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { z } from "zod";
import { DEFAULT_DISABLE_AFTER_S, DEFAULT_RETRY_SCHEDULE } from "@/lib/dispatch/policy";

/**
 * The only reader of process.env. Every setting is validated here so that a
 * wrong value stops the start with a message naming the variable, instead of
 * failing later in some request.
 */

const retrySchedule = z
  .string()
  .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, "must be seconds separated by commas, e.g. 5,300,1800")
  .transform((s) => s.split(",").map((n) => Number(n.trim())));

const boolFlag = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

const rawSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  // Loopback unless told otherwise: an instance nobody has set up yet would let anyone who reaches it claim it.
  HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, "must be an address to listen on: 127.0.0.1 (the default), 0.0.0.0 or :: for every interface, or one interface's address")
    .default("127.0.0.1"),
  HERALD_DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^(file:)?[^:]+$|^file:.+$|^postgres(ql)?:\/\/.+/, "must be a SQLite file path, file:PATH, or postgres://user:pass@host:5432/db")
    .optional(),
  HERALD_DB_POOL: z.coerce.number().int().min(1, "must be at least 1").max(1000).default(10),
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  HERALD_ENCRYPTION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/=_-]{43,88}$/, "must be 32 random bytes, base64 or hex encoded")
    .optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/.+/, "must be an smtp:// or smtps:// URL")
    .optional(),
  SMTP_FROM: z.string().min(3).default("Herald <herald@localhost>"),
  HERALD_PUBLIC_URL: z.url("must be an absolute http(s) URL").optional(),
  HERALD_WORKER: z.enum(["inline", "off"]).default("inline"),
  HERALD_DISPATCH_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  HERALD_RETRY_SCHEDULE: retrySchedule.default([...DEFAULT_RETRY_SCHEDULE]),
  HERALD_ALLOW_PRIVATE_TARGETS: boolFlag.default(false),
  HERALD_TRUST_PROXY: boolFlag.default(false),
  HERALD_DISABLE_AFTER: z.coerce.number().int().min(1).default(DEFAULT_DISABLE_AFTER_S),
  HERALD_RETENTION_DAYS: z.coerce.number().int("must be a whole number of days").min(1, "must be at least 1 day").default(30),
  HERALD_AUDIT_RETENTION_DAYS: z.coerce.number().int("must be a whole number of days").min(1, "must be at least 1 day").default(365),
  HERALD_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export type Env = Omit<z.infer<typeof rawSchema>, "AUTH_SECRET" | "HERALD_ENCRYPTION_KEY" | "DATABASE_URL"> & {
  dataDir: string;
  /** The SQLite file (when the engine is SQLite). */
  databasePath: string;
  /** Where the data lives: the embedded SQLite file (default) or a PostgreSQL server. */
  database: { engine: "sqlite"; path: string } | { engine: "postgres"; url: string };
  authSecret: string;
  /** 32-byte key for AES-256-GCM. */
  encryptionKey: Buffer;
  /** Short id of the encryption key, stored with each ciphertext so keys can be rotated. */
  encryptionKeyId: string;
  /** Where the key came from: HERALD_ENCRYPTION_KEY, or the generated file in the data dir (rotate-key needs to know). */
  encryptionKeySource: "environment" | "data-dir";
  publicUrl: string;
};

export class EnvError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid environment variable ${variable}: ${reason}`);
  }
}

/** Reads a generated secret from the data dir, creating it (mode 0600) when absent. */
function generatedSecret(dataDir: string, file: string, make: () => string): string {
  const p = path.join(dataDir, file);
  try {
    return fs.readFileSync(p, "utf8").trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const value = make();
  // "wx" so two processes starting at once never overwrite each other's key.
  try {
    fs.writeFileSync(p, value + "\n", { mode: 0o600, flag: "wx" });
    return value;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(p, "utf8").trim();
    throw e;
  }
}

export function decodeKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
  if (key.length !== 32) throw new EnvError("HERALD_ENCRYPTION_KEY", "must decode to exactly 32 bytes");
  return key;
}

export function keyId(key: Buffer): string {
  return crypto.createHash("sha256").update(key).digest("hex").slice(0, 8);
}

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const input = Object.fromEntries(Object.keys(rawSchema.shape).map((k) => [k, source[k] === "" ? undefined : source[k]]));
  const parsed = rawSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EnvError(String(issue.path[0]), issue.message);
  }
  const raw = parsed.data;
  const dataDir = path.resolve(raw.HERALD_DATA_DIR);
  fs.mkdirSync(dataDir, { recursive: true });

  const postgresUrl = raw.DATABASE_URL && isPostgresUrl(raw.DATABASE_URL) ? raw.DATABASE_URL : undefined;
  const databasePath = raw.DATABASE_URL && !postgresUrl ? path.resolve(raw.DATABASE_URL.replace(/^file:/, "")) : path.join(dataDir, "herald.db");
  if (!postgresUrl) fs.mkdirSync(path.dirname(databasePath), { recursive: true });

  const authSecret = raw.AUTH_SECRET ?? generatedSecret(dataDir, "auth-secret", () => crypto.randomBytes(32).toString("base64url"));
  const encryptionKey = decodeKey(raw.HERALD_ENCRYPTION_KEY ?? generatedSecret(dataDir, "encryption-key", () => crypto.randomBytes(32).toString("base64")));

  const { AUTH_SECRET: _a, HERALD_ENCRYPTION_KEY: _k, DATABASE_URL: _d, ...rest } = raw;
  return {
    ...rest,
    dataDir,
    databasePath,
    database: postgresUrl ? { engine: "postgres", url: postgresUrl } : { engine: "sqlite", path: databasePath },
    authSecret,
    encryptionKey,
    encryptionKeyId: keyId(encryptionKey),
    encryptionKeySource: raw.HERALD_ENCRYPTION_KEY ? "environment" : "data-dir",
    publicUrl: (raw.HERALD_PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, ""),
  };
}

const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//.test(url);

/**
 * The engine DATABASE_URL names, without validating or loading anything else:
 * the schema module picks its tables with it when it is first imported.
 */
export function databaseEngine(source: Record<string, string | undefined> = process.env): "sqlite" | "postgres" {
  return source.DATABASE_URL && isPostgresUrl(source.DATABASE_URL) ? "postgres" : "sqlite";
}

let cached: Env | undefined;

/** The process's validated configuration, loaded once. */
export function env(): Env {
  cached ??= loadEnv();
  return cached;
}
