/**
 * Where to send someone after sign-in: only a path on this server. The
 * address is read by the WHATWG URL parser against our own origin — the way
 * a browser will read it — so `/\host`, `/<tab>/host`, `//host` and absolute
 * URLs of other hosts resolve to their real origin and are refused; a string
 * prefix check cannot see that. Used by the login page, the login form and
 * next-auth's `redirect` callback. Framework-free (the form runs it in the browser).
 */
export function sameOriginPath(raw: string | null | undefined, origin: string, fallback = "/"): string {
  if (!raw) return fallback;
  let base: URL;
  let target: URL;
  try {
    base = new URL(origin);
    target = new URL(raw, base);
  } catch {
    return fallback;
  }
  if (target.origin !== base.origin) return fallback;
  const path = `${target.pathname}${target.search}${target.hash}`;
  // The path must read back as the same place on its own (a path starting `//` would be another host).
  return path.startsWith("/") && !path.startsWith("//") && !path.startsWith("/\\") ? path : fallback;
}
