import { expect, test } from "@playwright/test";
import { axeViolations } from "./axe";
import { E2E, createToken, signIn, signInAsOwner } from "./fixtures";

// One story, in order: first-run setup → sign out/in → product → invite → member limits → token revoke.
test.describe.configure({ mode: "serial" });

test("every page leads to first-run setup, which validates and creates the org and owner", async ({ page }) => {
  await page.goto("/o/anything/members");
  await expect(page).toHaveURL(/\/(setup|login)/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  // The accessibility gate (see accessibility.spec) for the one page that exists only before setup.
  expect(await axeViolations(page), "/setup").toEqual([]);

  await page.getByLabel("Organization name").fill(E2E.owner.org);
  await page.getByLabel("Owner e-mail").fill("not-an-email");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Confirm password").fill("different");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByText("must be a valid e-mail address")).toBeVisible();
  await expect(page.getByText("must be at least 12 characters")).toBeVisible();
  expect(await axeViolations(page), "/setup, refused").toEqual([]);
  // What was typed is kept.
  await expect(page.getByLabel("Organization name")).toHaveValue(E2E.owner.org);

  await page.getByLabel("Owner e-mail").fill(E2E.owner.email);
  await page.getByLabel("Password", { exact: true }).fill(E2E.owner.password);
  await page.getByLabel("Confirm password").fill(E2E.owner.password);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${E2E.owner.slug}/notifications`));
  await expect(page.getByTestId("current-user")).toHaveText(E2E.owner.email);
});

test("setup is gone once a user exists, for the page and the CLI", async ({ page }) => {
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  const { herald } = await import("./fixtures");
  expect(() => herald("setup", "--org", "Again", "--email", "x@y.test", "--password", "another long password")).toThrow(/already set up/);
});

test("sign out, a wrong password gets one generic message, sign in works", async ({ page }) => {
  await signInAsOwner(page);
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto(`/o/${E2E.owner.slug}/members`);
  await expect(page).toHaveURL(/\/login/);

  await page.getByLabel("E-mail").fill(E2E.owner.email);
  await page.getByLabel("Password").fill("wrong password!!");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(/Sign-in failed/)).toBeVisible();
  await signInAsOwner(page);
});

test("an owner creates a product; a duplicate slug is refused next to the field", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${E2E.owner.slug}/products`);
  await page.getByLabel("Name").fill("Web Shop");
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page).toHaveURL(new RegExp(`/products/web-shop$`));
  await expect(page.getByRole("heading", { name: "Web Shop" })).toBeVisible();

  await page.goto(`/o/${E2E.owner.slug}/products`);
  await page.getByLabel("Name").fill("Web Shop");
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByText("is already used by another product of this organization", { exact: true })).toBeVisible();
});

test("an owner invites a member, who sets a password through the link and cannot do admin work", async ({ page, browser }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${E2E.owner.slug}/members`);
  await page.getByLabel("E-mail").fill(E2E.member.email);
  await page.getByRole("button", { name: "Add member" }).click();
  const inviteUrl = (await page.getByTestId("invite-url").textContent())!.trim();
  expect(inviteUrl).toContain("/invite/");
  // Invited, not a member until they accept.
  await expect(page.getByRole("row", { name: new RegExp(E2E.member.email) })).toContainText("invited");

  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await member.goto(inviteUrl);
  await member.getByLabel("Password", { exact: true }).fill(E2E.member.password);
  await member.getByLabel("Confirm password").fill(E2E.member.password);
  await member.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(member).toHaveURL(new RegExp(`/o/${E2E.owner.slug}/`));
  await expect(member.getByTestId("current-role")).toHaveText("member");

  // The link works once.
  await member.goto(inviteUrl);
  await expect(member.getByText("This invite link does not work")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("row", { name: new RegExp(E2E.member.email) })).toContainText("active");

  // Admin pages answer 403 on the server, not just hidden links.
  for (const path of ["tokens", "audit"]) {
    const res = await member.goto(`/o/${E2E.owner.slug}/${path}`);
    expect(res?.status(), path).toBe(403);
  }
  await expect(member.getByRole("link", { name: "API tokens" })).toHaveCount(0);

  // The API refuses the member's session for writes.
  const write = await member.request.post(`/api/v1/orgs/${E2E.owner.slug}/products`, {
    data: { name: "Sneaky" },
    headers: { origin: E2E.baseURL },
  });
  expect(write.status()).toBe(403);
  expect((await write.json()).error.code).toBe("forbidden");

  // A server action called with the member's session is refused by the server:
  // load the owner's members page (which has the add-member form), then swap in the member's cookies.
  const ownerPage = await memberContext.newPage();
  await memberContext.clearCookies();
  const ownerCookies = await page.context().cookies();
  await memberContext.addCookies(ownerCookies);
  await ownerPage.goto(`/o/${E2E.owner.slug}/members`);
  await memberContext.clearCookies();
  await signIn(member, E2E.member.email, E2E.member.password);
  await ownerPage.getByLabel("E-mail").fill("intruder@acme.test");
  await ownerPage.getByRole("button", { name: "Add member" }).click();
  await expect(ownerPage.getByText("You do not have permission to do this")).toBeVisible();
  await memberContext.close();

  await page.reload();
  await expect(page.getByText("intruder@acme.test")).toHaveCount(0);
});

test("an owner revokes a token and the API answers 401", async ({ page, request }) => {
  const token = createToken("admin", "to-revoke");
  const ok = await request.get(`/api/v1/orgs/${E2E.owner.slug}/products`, { headers: { authorization: `Bearer ${token}` } });
  expect(ok.status()).toBe(200);
  expect((await ok.json()).products.map((p: { slug: string }) => p.slug)).toContain("web-shop");

  await signInAsOwner(page);
  await page.goto(`/o/${E2E.owner.slug}/tokens`);
  const row = page.getByRole("row", { name: /to-revoke/ });
  // The status column says what the token is, not only what can be done to it.
  await expect(row.getByText("active", { exact: true })).toBeVisible();
  await row.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
  await expect(row.getByText("revoked", { exact: true })).toBeVisible();
  await expect(row.getByRole("button", { name: "Revoke" })).toHaveCount(0);

  const denied = await request.get(`/api/v1/orgs/${E2E.owner.slug}/products`, { headers: { authorization: `Bearer ${token}` } });
  expect(denied.status()).toBe(401);
  expect((await denied.json()).error.code).toBe("unauthorized");
});

test("the audit log shows the changes, filterable", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${E2E.owner.slug}/audit?action=token.`);
  await expect(page.getByRole("cell", { name: "token.revoked" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "account.created" })).toHaveCount(0);
  await page.goto(`/o/${E2E.owner.slug}/audit`);
  await expect(page.getByRole("cell", { name: "account.created" }).first()).toBeVisible();
  await expect(page.getByRole("cell", { name: "product.created" })).toBeVisible();
});
