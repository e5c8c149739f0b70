import { expect, test, type Page } from "@playwright/test";
import { acceptInvite, consolePages, consoleUrl, createCatcher, inviteLink, makeProductAdmin, type Role } from "./console-pages";
import { E2E, createToken, signIn, signInAsOwner } from "./fixtures";

/**
 * Every console page under app/o/[org], found in the file tree, opened with a
 * session of each role (and none): the status must be the one the table says.
 * A new page that is not in the table fails here, so nobody adds a page
 * without deciding who may open it. (role-access.spec.ts has the first table;
 * this one is generated and covers events, deliveries, inbox, API reference.)
 */
test.describe.configure({ mode: "serial" });

const org = E2E.owner.slug;
const PASSWORD = "role access more password";
const people = { admin: "admin.more@acme.test", productAdmin: "pa.more@acme.test", otherProductAdmin: "pa.other@acme.test" };

const EVERYONE: Record<Role, number> = { owner: 200, admin: 200, member: 200, productAdmin: 200, otherProductAdmin: 200 };
const CONFIGURERS: Record<Role, number> = { owner: 200, admin: 200, member: 403, productAdmin: 403, otherProductAdmin: 403 };

/** Who may open each page (path under /o/{org}, as in the file tree). */
const PAGE_TABLE: Record<string, Record<Role, number>> = {
  "": EVERYONE,
  notifications: EVERYONE,
  members: EVERYONE,
  products: EVERYONE,
  "products/[product]": EVERYONE,
  settings: EVERYONE,
  events: EVERYONE,
  "events/[id]": EVERYONE,
  deliveries: EVERYONE,
  "deliveries/[id]": EVERYONE,
  inbox: EVERYONE,
  silences: EVERYONE,
  api: EVERYONE,
  tokens: CONFIGURERS,
  audit: CONFIGURERS,
  catchers: CONFIGURERS,
  "catchers/[id]": CONFIGURERS,
};

let pages: Record<Role, Page>;
const fill: Record<string, string> = { "[product]": "web-shop" };

test.beforeAll(async ({ browser, playwright }) => {
  // Three invites (each a password hash) and two product pages: more than one test's worth of time.
  test.setTimeout(180_000);
  const request = await playwright.request.newContext({ baseURL: E2E.baseURL });
  const owner = await (await browser.newContext()).newPage();
  await signInAsOwner(owner);
  fill["catchers/[id]"] = await createCatcher(owner, "Role access probe");
  // A second product whose admin must not get the first product's rights.
  const token = createToken("admin", `role-more-${Date.now()}`);
  const auth = { authorization: `Bearer ${token}` };
  const created = await request.post(`/api/v1/orgs/${org}/products`, { data: { name: "Other App", slug: "other-app" }, headers: auth });
  expect([201, 409]).toContain(created.status());
  // An event and its delivery, for pages that show one.
  const ingested = await request.post("/api/v1/events", {
    data: { type: "deployment.failed", product: "web-shop", title: "Role access probe", severity: "error" },
    headers: auth,
  });
  expect(ingested.status()).toBe(202);
  fill["events/[id]"] = (await ingested.json()).events[0].id;
  const listed = await request.get(`/api/v1/orgs/${org}/deliveries?event=${fill["events/[id]"]}`, { headers: auth });
  const delivery = (await listed.json()).deliveries[0];
  if (delivery) fill["deliveries/[id]"] = delivery.id;
  await request.dispose();

  const invite = async (email: string) =>
    acceptInvite(browser, await inviteLink(owner, org, email, email === people.admin ? "admin" : "member"), org, PASSWORD);
  const admin = await invite(people.admin);
  const productAdmin = await invite(people.productAdmin);
  const otherProductAdmin = await invite(people.otherProductAdmin);
  await makeProductAdmin(owner, org, "web-shop", people.productAdmin);
  await makeProductAdmin(owner, org, "other-app", people.otherProductAdmin);
  const member = await (await browser.newContext()).newPage();
  await signIn(member, E2E.member.email, E2E.member.password);
  pages = { owner, admin, member, productAdmin, otherProductAdmin };
});

const urlOf = (page: string) => consoleUrl(org, page, fill, "role-access-more");

test("every console page is in the table (a new page must say who may open it)", () => {
  const found = consolePages();
  expect(found.length).toBeGreaterThan(8);
  expect(
    found.filter((p) => !(p in PAGE_TABLE)),
    "pages missing from PAGE_TABLE in e2e/role-access-more.spec.ts",
  ).toEqual([]);
});

for (const page of consolePages()) {
  const expected = PAGE_TABLE[page];
  test(`page /o/{org}/${page}: ${JSON.stringify(expected)}`, async () => {
    test.skip(!expected, "not in PAGE_TABLE (the test above fails)");
    for (const role of Object.keys(pages) as Role[]) {
      const res = await pages[role].goto(urlOf(page));
      expect(res?.status(), `${role} on ${page}`).toBe(expected[role]);
    }
  });

  test(`page /o/{org}/${page}: signed out goes to sign-in, a non-member org is 404`, async ({ browser }) => {
    const anonymous = await (await browser.newContext()).newPage();
    await anonymous.goto(urlOf(page));
    await expect(anonymous).toHaveURL(/\/login/);
    await anonymous.context().close();
    const res = await pages.member.goto(urlOf(page).replace(`/o/${org}`, "/o/not-my-org"));
    expect(res?.status()).toBe(404);
  });
}

test("a product's admin is not an admin of another product (API write with a console session)", async () => {
  const write = (page: Page, product: string) =>
    page.request.patch(`/api/v1/orgs/${org}/products/${product}`, { data: { name: "Renamed" }, headers: { origin: E2E.baseURL } });
  expect((await write(pages.productAdmin, "other-app")).status()).toBe(403);
  expect((await write(pages.otherProductAdmin, "web-shop")).status()).toBe(403);
  expect((await write(pages.member, "web-shop")).status()).toBe(403);
});
