import crypto from "node:crypto";

/**
 * A request catcher's address: `/catch/{token}` on this instance's public URL
 * (HERALD_PUBLIC_URL). The token is the only credential a sender needs, so it
 * is 32 random URL-safe characters.
 */

const TOKEN_PATTERN = "[A-Za-z0-9_-]{32}";

export function newCatcherToken(): string {
  return crypto.randomBytes(24).toString("base64url");
}

export function isCatcherToken(token: string): boolean {
  return new RegExp(`^${TOKEN_PATTERN}$`).test(token);
}

/** The path of a catcher under the public URL's own path (`https://x.org/herald` → `/herald/catch/…`). */
function catchPrefix(publicUrl: string): string {
  return `${new URL(publicUrl).pathname.replace(/\/+$/, "")}/catch/`;
}

export function catcherUrl(publicUrl: string, token: string): string {
  return `${new URL(publicUrl).origin}${catchPrefix(publicUrl)}${token}`;
}

/**
 * True when a request goes to a catcher of this very instance: the public
 * URL's origin and exactly `/catch/{token}` — no query, no other path, no
 * credentials in the URL. The outbound address guard lets exactly these
 * through (the public URL is usually loopback or private), and nothing else
 * on the same host: a channel cannot reach this instance's API or console.
 * `origin` and `path` are as the sender builds them (URL.origin, pathname + search),
 * so dot segments and percent-escapes are already resolved or refused by the pattern.
 */
export function isOwnCatcherRequest(publicUrl: string, origin: string, path: string): boolean {
  let own: URL;
  try {
    own = new URL(publicUrl);
  } catch {
    return false;
  }
  if (origin !== own.origin) return false;
  const prefix = catchPrefix(publicUrl);
  return path.startsWith(prefix) && isCatcherToken(path.slice(prefix.length));
}

/** The same test on a whole URL (a channel's, at save time). */
export function isOwnCatcherUrl(publicUrl: string, url: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.username || target.password || target.hash) return false;
  return isOwnCatcherRequest(publicUrl, target.origin, target.pathname + target.search);
}
