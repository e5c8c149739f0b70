import crypto from "node:crypto";

/**
 * Random, URL-safe ids with a prefix naming what they identify (`ch_…`, `evt_…`).
 *
 * The 16 characters after the prefix encode 6 bytes of the creation time (ms)
 * and 6 random bytes, in the base64url characters taken in ASCII order, so ids
 * sort by creation time. SQLite then appends new rows' keys at the end of each
 * primary-key and foreign-key index instead of dirtying a random page per
 * insert: batch ingest spends less than half the CPU per event, and the
 * dispatcher's outcome writes a quarter (docs/performance.md). Randomness
 * comes from a pool refilled 4 KB at a time (one system call per 680 ids).
 */
const ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const POOL_BYTES = 4092;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** `at`: the creation time to encode (now; tests make ids of the past). */
export function newId(prefix: string, at: number = Date.now()): string {
  if (poolOffset + 6 > pool.length) {
    pool = crypto.randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const bytes = Buffer.allocUnsafe(12);
  bytes.writeUIntBE(at, 0, 6);
  pool.copy(bytes, 6, poolOffset, poolOffset + 6);
  poolOffset += 6;
  return encodeId(prefix, bytes);
}

function encodeId(prefix: string, bytes: Buffer): string {
  let id = `${prefix}_`;
  // 12 bytes = 4 groups of 24 bits = 16 characters of 6 bits, most significant first.
  for (let i = 0; i < 12; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    id += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63] + ALPHABET[(n >>> 6) & 63] + ALPHABET[n & 63];
  }
  return id;
}

export function sha256(value: string): string {
  return crypto.createHash("sha256").update(value).digest("hex");
}

/** The smallest id `newId(prefix, at)` can make: the lower bound of the ids created from `at` on (a primary-key range). */
export function firstIdAt(prefix: string, at: number): string {
  const bytes = Buffer.alloc(12);
  bytes.writeUIntBE(at, 0, 6);
  return encodeId(prefix, bytes);
}
