import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E, signInAsOwner } from "./fixtures";

// For each role, the console pages and API writes it may and may not use — checked on the server.
test.describe.configure({ mode: "serial" });

const org = E2E.owner.slug;
const PASSWORD = "role access password";
const people = { admin: "admin@acme.test", productAdmin: "pa@acme.test" };

async function invite(owner: Page, browser: Browser, email: string, role: string) {
  await owner.goto(`/o/${org}/members`);
  await owner.getByLabel("E-mail").fill(email);
  await owner.getByLabel("Role", { exact: true }).selectOption(role);
  await owner.getByRole("button", { name: "Add member" }).click();
  const url = (await owner.getByTestId("invite-url").textContent())!.trim();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${org}/`));
  return page;
}

let pages: Record<"owner" | "admin" | "member" | "productAdmin", Page>;

test.beforeAll(async ({ browser }) => {
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await signInAsOwner(owner);
  const admin = await invite(owner, browser, people.admin, "admin");
  const productAdmin = await invite(owner, browser, people.productAdmin, "member");
  await owner.goto(`/o/${org}/products/web-shop`);
  await owner.getByRole("checkbox", { name: people.productAdmin }).check();
  await owner.getByRole("button", { name: "Save product admins" }).click();
  await expect(owner.getByText("Product admins saved.")).toBeVisible();

  const memberContext = await browser.newContext();
  const member = await memberContext.newPage();
  await member.goto("/login");
  await member.getByLabel("E-mail").fill(E2E.member.email);
  await member.getByLabel("Password").fill(E2E.member.password);
  await member.getByRole("button", { name: "Sign in" }).click();
  await expect(member).toHaveURL(/\/o\//);
  pages = { owner, admin, member, productAdmin };
});

const ALLOWED = 200;
const FORBIDDEN = 403;
const PAGE_TABLE: [string, Record<keyof typeof pages, number>][] = [
  ["notifications", { owner: ALLOWED, admin: ALLOWED, member: ALLOWED, productAdmin: ALLOWED }],
  ["members", { owner: ALLOWED, admin: ALLOWED, member: ALLOWED, productAdmin: ALLOWED }],
  ["products", { owner: ALLOWED, admin: ALLOWED, member: ALLOWED, productAdmin: ALLOWED }],
  ["products/web-shop", { owner: ALLOWED, admin: ALLOWED, member: ALLOWED, productAdmin: ALLOWED }],
  ["settings", { owner: ALLOWED, admin: ALLOWED, member: ALLOWED, productAdmin: ALLOWED }],
  ["tokens", { owner: ALLOWED, admin: ALLOWED, member: FORBIDDEN, productAdmin: FORBIDDEN }],
  ["audit", { owner: ALLOWED, admin: ALLOWED, member: FORBIDDEN, productAdmin: FORBIDDEN }],
];

for (const [path, expected] of PAGE_TABLE) {
  test(`page /o/{org}/${path}: ${JSON.stringify(expected)}`, async () => {
    for (const role of Object.keys(pages) as (keyof typeof pages)[]) {
      const res = await pages[role].goto(`/o/${org}/${path}`);
      expect(res?.status(), `${role} on ${path}`).toBe(expected[role]);
    }
  });
}

test("nobody reaches an org they do not belong to (404, not 403)", async () => {
  for (const role of Object.keys(pages) as (keyof typeof pages)[]) {
    const res = await pages[role].goto(`/o/not-my-org/members`);
    expect(res?.status(), role).toBe(404);
  }
});

test("what each role sees on the members page matches what it may do", async () => {
  await pages.owner.goto(`/o/${org}/members`);
  await expect(pages.owner.getByRole("button", { name: "Add member" })).toBeVisible();
  for (const role of ["admin", "member", "productAdmin"] as const) {
    await pages[role].goto(`/o/${org}/members`);
    await expect(pages[role].getByRole("button", { name: "Add member" }), role).toHaveCount(0);
  }
});

test("API writes with a console session: owners and admins may create products, others get 403", async () => {
  const expected = { owner: 201, admin: 201, member: 403, productAdmin: 403 };
  for (const role of Object.keys(pages) as (keyof typeof pages)[]) {
    const res = await pages[role].request.post(`/api/v1/orgs/${org}/products`, {
      data: { name: `made by ${role}` },
      headers: { origin: E2E.baseURL },
    });
    expect(res.status(), role).toBe(expected[role]);
  }
  // A cross-site write with a valid session is refused (CSRF).
  const forged = await pages.owner.request.post(`/api/v1/orgs/${org}/products`, {
    data: { name: "forged" },
    headers: { origin: "https://evil.example" },
  });
  expect(forged.status()).toBe(403);
});

test("a product admin can open only their product's settings for editing", async () => {
  await pages.productAdmin.goto(`/o/${org}/products`);
  await expect(pages.productAdmin.getByText("you administer")).toBeVisible();
  await expect(pages.productAdmin.getByRole("button", { name: "Create product" })).toHaveCount(0);
  await pages.productAdmin.goto(`/o/${org}/products/web-shop`);
  await expect(pages.productAdmin.getByRole("button", { name: "Delete product" })).toHaveCount(0);
});
