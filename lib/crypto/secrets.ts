import crypto from "node:crypto";
import type { SealedSecret } from "@/db/schema/values";
import { env, keyId } from "@/lib/env";

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
    throw new SecretUnreadableError(
      `The secret "${scope.field}" was sealed with key ${sealed.kid}, which is not the configured HERALD_ENCRYPTION_KEY`,
    );
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

/**
 * `https://hooks.slack.com/services/T0…/****`: the host and the path's leading
 * words (services, api, webhooks, workflows) stay readable, the first
 * credential-looking segment keeps two characters, the rest is hidden.
 */
export function maskUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return STARS;
  }
  const shown: string[] = [];
  for (const segment of url.pathname.split("/").filter(Boolean)) {
    if (/^[a-z][a-z-]{1,15}$/.test(segment) && shown.length < 3) {
      shown.push(segment);
      continue;
    }
    shown.push(`${segment.slice(0, 2)}…`);
    break;
  }
  const port = url.port ? `:${url.port}` : "";
  return `${url.protocol}//${url.hostname}${port}/${[...shown, STARS].join("/")}`;
}

/** Query parameters that carry a credential by their name (`?token=`, `&sig=`, …). */
const CREDENTIAL_PARAM = /^(token|access_token|api[-_]?key|key|sig|signature|secret|code|auth|password|pass|pwd|hash)$/i;

/** Zapier, IFTTT, n8n cloud, Make, Pipedream: a URL on these hosts is a credential by itself. */
const HOOK_SERVICE_HOST = /(^|\.)(hooks\.zapier\.com|maker\.ifttt\.com|n8n\.cloud|make\.com|m\.pipedream\.net)$/i;

/**
 * Whether a URL carries a credential, and so is a secret (issue #19 §4): user
 * info, an automation service's hook host, a credential-named query parameter,
 * or a path segment that looks like a token — 12+ characters of letters and
 * digits both (an n8n id, a UUID).
 */
export function urlCarriesCredential(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return true;
  // Automation services whose hook URLs are the credential, however short their token.
  if (HOOK_SERVICE_HOST.test(url.hostname)) return true;
  for (const name of url.searchParams.keys()) if (CREDENTIAL_PARAM.test(name)) return true;
  return url.pathname.split("/").some((segment) => segment.length >= 12 && /[0-9]/.test(segment) && /[A-Za-z]/.test(segment) && /^[\w.~-]+$/.test(segment));
}

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
