/**
 * Security headers. Pages get a Content-Security-Policy with a fresh nonce
 * per response (proxy.ts): Next.js puts that nonce on its own inline and
 * bundle scripts, so no script runs without it — no 'unsafe-inline'. Other
 * responses (the API, the ingest fast path of `herald start`, static files)
 * get a fixed policy with no inline scripts at all. eval stays forbidden in
 * production; `next dev` needs it for React's debugging.
 */

function policy(scriptSources: string, isDev: boolean): string {
  return [
    "default-src 'self'",
    `script-src ${scriptSources}${isDev ? " 'unsafe-eval'" : ""}`,
    // React and the UI set style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
}

/** The policy of one page response: its scripts must carry `nonce`; scripts they load are trusted ('strict-dynamic'). */
export function pageContentSecurityPolicy(nonce: string, isDev: boolean): string {
  return policy(`'self' 'nonce-${nonce}' 'strict-dynamic'`, isDev);
}

/** The policy of every other response (API answers, static files): no inline scripts at all. */
export function staticContentSecurityPolicy(isDev: boolean): string {
  return policy("'self'", isDev);
}

/** A fresh nonce: 16 random bytes, base64. */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/** Headers for every response; `withPolicy: false` leaves the CSP to proxy.ts (pages). */
export function securityHeaders(isDev: boolean, { withPolicy = true } = {}): { key: string; value: string }[] {
  return [
    ...(withPolicy ? [{ key: "Content-Security-Policy", value: staticContentSecurityPolicy(isDev) }] : []),
    { key: "X-Frame-Options", value: "DENY" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "X-Content-Type-Options", value: "nosniff" },
  ];
}
