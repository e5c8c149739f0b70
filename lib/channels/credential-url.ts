/**
 * Webhook URLs that are credentials (issue #19 §4): told apart, and masked
 * when read back. No I/O and no node modules: the console's forms use it too.
 */

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
 * or a path segment that looks like a token (`looksLikeToken`).
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
  return url.pathname.split("/").some(looksLikeToken);
}

/**
 * 12+ URL-safe characters with letters and digits both (an n8n id, a UUID), or 20+ with upper and
 * lower case letters both: a random base64url token has no digit about once in 250 at 32 characters.
 */
function looksLikeToken(segment: string): boolean {
  if (segment.length < 12 || !/^[\w.~-]+$/.test(segment)) return false;
  if (/[0-9]/.test(segment) && /[A-Za-z]/.test(segment)) return true;
  return segment.length >= 20 && /[A-Z]/.test(segment) && /[a-z]/.test(segment);
}
