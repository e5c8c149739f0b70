/**
 * The header in which `herald start` (lib/server/request-guard.ts) passes the
 * client's address on to Next.js: the socket's, or with HERALD_TRUST_PROXY=1
 * the one the proxy appended to X-Forwarded-For. A client-sent value is always
 * replaced, so code behind the server may believe it. Absent under `next dev`.
 */
export const CLIENT_ADDRESS_HEADER = "x-herald-client-address";
