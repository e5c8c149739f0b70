import type { NextConfig } from "next";
import { securityHeaders, staticContentSecurityPolicy } from "./lib/security-headers";

const isDev = process.env.NODE_ENV !== "production";

const nextConfig: NextConfig = {
  serverExternalPackages: ["better-sqlite3"],
  poweredByHeader: false,
  experimental: { serverActions: { bodySizeLimit: "1mb" }, authInterrupts: true },
  async headers() {
    // Pages get their Content-Security-Policy, with a nonce, from proxy.ts; everything else a fixed one.
    const fixedPolicy = [{ key: "Content-Security-Policy", value: staticContentSecurityPolicy(isDev) }];
    return [
      { source: "/:path*", headers: securityHeaders(isDev, { withPolicy: false }) },
      { source: "/api/:path*", headers: fixedPolicy },
      { source: "/_next/:path*", headers: fixedPolicy },
    ];
  },
};

export default nextConfig;
