import { describe, expect, it } from "vitest";
import { authOptions } from "./options";
import { sameOriginPath } from "./redirect";

/** Issue #15, item 3: `/login?callbackUrl=…` must not send a signed-in browser to another host. */

const ORIGIN = "https://herald.example";
// What arrives in `callbackUrl` after the query string is decoded.
const ATTACKS = [
  "/\\evil.example/x",
  "/\t/evil.example/x",
  "/\n/evil.example/x",
  "\\/evil.example/x",
  "//evil.example/x",
  "\\\\evil.example/x",
  "/\\/evil.example",
  "https://evil.example/x",
  "https:evil.example/x",
  "http://herald.example/x",
  "https://herald.example.evil.example/x",
  "javascript:alert(1)",
  " //evil.example",
];

/** Where a browser ends up when it follows `location` from a page of ours. */
const landing = (location: string) => new URL(location, ORIGIN);

describe("the callback address after sign-in", () => {
  it.each(ATTACKS)("%j stays on this server", (raw) => {
    const to = sameOriginPath(raw, ORIGIN);
    expect(landing(to).origin).toBe(ORIGIN);
  });

  it("keeps a path of ours, with its query and hash", () => {
    expect(sameOriginPath("/o/acme/notifications?x=1#top", ORIGIN)).toBe("/o/acme/notifications?x=1#top");
    expect(sameOriginPath("https://herald.example/o/acme", ORIGIN)).toBe("/o/acme");
    expect(sameOriginPath(undefined, ORIGIN)).toBe("/");
  });

  it.each(ATTACKS)("next-auth's redirect callback keeps %j on this server", async (raw) => {
    const to = await authOptions.callbacks!.redirect!({ url: raw, baseUrl: ORIGIN });
    expect(landing(to).origin).toBe(ORIGIN);
  });

  it("the login page and form read the callback with the URL parser (the check the old prefix test failed)", async () => {
    const { readFileSync } = await import("node:fs");
    for (const file of ["app/login/page.tsx", "app/login/login-form.tsx"]) {
      const source = readFileSync(file, "utf8");
      expect(source, file).toContain("sameOriginPath(");
      expect(source, file).not.toMatch(/startsWith\("\/\/"\)/);
    }
  });
});
