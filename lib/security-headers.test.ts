import { describe, expect, it } from "vitest";
import { pageContentSecurityPolicy, securityHeaders, staticContentSecurityPolicy } from "./security-headers";

const scriptSrc = (policy: string) =>
  policy
    .split(";")
    .map((d) => d.trim())
    .find((d) => d.startsWith("script-src")) ?? "";

describe("security headers", () => {
  it("a page's policy allows only scripts with its nonce (and what they load), never 'unsafe-inline' or eval", () => {
    const policy = pageContentSecurityPolicy("abc123", false);
    expect(scriptSrc(policy)).toBe("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
  });

  it("every other response's policy has no inline scripts at all", () => {
    expect(scriptSrc(staticContentSecurityPolicy(false))).toBe("script-src 'self'");
    const csp = securityHeaders(false).find((h) => h.key === "Content-Security-Policy")?.value ?? "";
    expect(csp).not.toContain("'unsafe-inline' ");
    expect(scriptSrc(csp)).not.toContain("unsafe");
  });
});
