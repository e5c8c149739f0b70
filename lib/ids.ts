import crypto from "node:crypto";

/** Random, URL-safe ids with a prefix naming what they identify (`ch_…`, `evt_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(12).toString("base64url")}`;
}

export function sha256(value: string): string {
  return crypto.createHash("sha256").update(value).digest("hex");
}
