import crypto from "node:crypto";
import type { SealedSecret } from "@/db/schema/values";
import { env, keyId } from "@/lib/env";
import { maskUrl } from "@/lib/channels/credential-url";

/**
 * Channel secrets at rest (DESIGN §2): AES-256-GCM with a random 96-bit IV per
 * value, the org/channel/field bound in as additional authenticated data (a
 * ciphertext copied to another channel or field does not open), and the id of
 * the key stored beside it so a key can be rotated.
 */

export type SecretScope = { orgId: string; channelId: string; field: string };

function aadOf(scope: SecretScope): Buffer {
  return Buffer.from(`herald:secret:v1\0${scope.orgId}\0${scope.channelId}\0${scope.field}`, "utf8");
}

export function sealSecret(plaintext: string, scope: SecretScope, key: Buffer = env().encryptionKey): SealedSecret {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(aadOf(scope));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    kid: keyId(key),
    iv: iv.toString("base64"),
    ct: ct.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
  };
}

export class SecretUnreadableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretUnreadableError";
  }
}

/** Opens a sealed value; `keys` lists the keys that may have sealed it (the configured key by default). */
export function openSecret(sealed: SealedSecret, scope: SecretScope, keys: Buffer[] = [env().encryptionKey]): string {
  const key = keys.find((k) => keyId(k) === sealed.kid);
  if (!key) {
    throw new SecretUnreadableError(`The secret "${scope.field}" was sealed with key ${sealed.kid}, which is not the configured HERALD_ENCRYPTION_KEY`);
  }
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
    decipher.setAAD(aadOf(scope));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, "base64")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretUnreadableError(`The secret "${scope.field}" does not open: it was altered or belongs elsewhere`);
  }
}

/** A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSigningSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString("base64")}`;
}

const STARS = "****";

/** A hint that tells two secrets apart without revealing them. */
export function secretHint(field: string, value: string): string {
  if (field === "url") return maskUrl(value);
  if (field === "headers") {
    try {
      const names = Object.keys(JSON.parse(value) as Record<string, string>);
      return names.length ? `${names.join(", ")} (values hidden)` : "no headers";
    } catch {
      return STARS;
    }
  }
  if (field === "signingSecret") return `whsec_${STARS}${value.slice(-4)}`;
  // Short secrets (passwords) show nothing: four characters of eight is half the secret.
  if (value.length < 16) return STARS + STARS;
  return `${STARS}${value.slice(-4)}`;
}
