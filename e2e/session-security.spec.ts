import { expect, test } from "@playwright/test";
import { E2E, signIn, signInAsOwner } from "./fixtures";

test("the session cookie is HttpOnly and SameSite=Lax", async ({ page }) => {
  await signInAsOwner(page);
  const session = (await page.context().cookies()).find((c) => c.name.includes("next-auth.session-token"));
  expect(session, "session cookie").toBeDefined();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe("Lax");
});

test("pages and API answers carry the security headers, with a CSP that forbids eval and framing", async ({ request }) => {
  for (const path of ["/login", "/api/health"]) {
    const res = await request.get(path);
    const headers = res.headers();
    const csp = headers["content-security-policy"];
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).not.toContain("unsafe-eval");
    expect(headers["x-frame-options"], path).toBe("DENY");
    expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["x-powered-by"], path).toBeUndefined();
  }
});

test("the sign-in page does not redirect to another site after sign-in", async ({ page }) => {
  await page.goto(`/login?callbackUrl=${encodeURIComponent("//evil.example/steal")}`);
  await page.getByLabel("E-mail").fill(E2E.owner.email);
  await page.getByLabel("Password").fill(E2E.owner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`^${E2E.baseURL}/o/`));
});

test("pages run under a nonce-based Content-Security-Policy without a violation", async ({ page }) => {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    // eval is forbidden on purpose: zod probes `new Function` once, is refused, and validates without it.
    document.addEventListener("securitypolicyviolation", (e) => e.blockedURI !== "eval" && seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const violations = async () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
  await page.goto("/login");
  // The sign-in form works only once React has hydrated the page: its scripts ran.
  await page.getByLabel("E-mail").fill(E2E.owner.email);
  await page.getByLabel("Password").fill(E2E.owner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/o\//);
  expect(await violations()).toEqual([]);
  for (const path of ["", "/notifications", "/deliveries", "/events", "/members", "/products", "/settings", "/tokens", "/audit", "/api", "/inbox"]) {
    const res = await page.goto(`/o/${E2E.owner.slug}${path}`);
    expect(res?.headers()["content-security-policy"], path).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    await page.waitForLoadState("networkidle");
    expect(await violations(), path).toEqual([]);
  }
  await page.goto("/no-such-page");
  expect(await violations(), "404 page").toEqual([]);
});

// Sessions end on the server (issue #15, item 5): a copied cookie is refused afterwards. The member's
// account is used so that the owner's sessions of other specs are left alone.
test("a session cookie copied before sign-out no longer opens the console", async ({ page, browser }) => {
  await signIn(page, E2E.member.email, E2E.member.password);
  const copied = await page.context().cookies();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
  const thief = await browser.newContext();
  await thief.addCookies(copied);
  const stolen = await thief.newPage();
  await stolen.goto(`/o/${E2E.owner.slug}/notifications`);
  await expect(stolen).toHaveURL(/\/login/);
  await thief.close();
});

test("Sign out everywhere ends the person's sessions in other browsers too", async ({ page, browser }) => {
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await signIn(elsewhere, E2E.member.email, E2E.member.password);
  await signIn(page, E2E.member.email, E2E.member.password);
  await page.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(page).toHaveURL(/\/login/);
  await elsewhere.goto(`/o/${E2E.owner.slug}/notifications`);
  await expect(elsewhere).toHaveURL(/\/login/);
  await other.close();
  // Signing in again works.
  await signIn(page, E2E.member.email, E2E.member.password);
});
