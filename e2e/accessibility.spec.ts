import path from "node:path";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { axeViolations } from "./axe";
import { ROLES, acceptInvite, consolePages, consoleUrl, createCatcher, inviteLink, makeProductAdmin, type Role } from "./console-pages";
import { E2E, herald, receiver, signIn, signInAsOwner } from "./fixtures";

/**
 * Issue #20 item 9: accessibility as a gate. axe-core (WCAG 2.1 A and AA, see e2e/axe.ts) on
 * every console page — found in the file tree, so a new page is checked too — as each role
 * (owner, admin, member, the admin of one product, the admin of another), and on every dialog
 * those pages open: every button that says it opens one (`aria-haspopup="dialog"`, which
 * ConfirmButton sets), the confirmations opened over a dialog, and the states a dialog
 * reaches (each channel type, a refused form, a preview, a test's results). Also the pages
 * outside the console: sign-in, an invitation's, a new org's (first-run setup is checked in
 * foundation.spec, the only time it exists). Any violation fails, printed with its rule,
 * impact and every element, so it can be fixed from the test's output.
 *
 * It works in an org of its own, so what it creates (channels, a silence, members) is no
 * other spec's business.
 */
const PASSWORD = "accessibility gate password";
// Not serial, so one page's violations do not hide the next's: after a failure a new worker
// sets up again, in a new org with new people (an existing account's invitation sets no password).
const run = Date.now();
const people = {
  admin: `a11y.admin.${run}@acme.test`,
  member: `a11y.member.${run}@acme.test`,
  productAdmin: `a11y.pa.${run}@acme.test`,
  otherProductAdmin: `a11y.pa.other.${run}@acme.test`,
  invited: `a11y.invited.${run}@acme.test`,
};
let org = "";
let pages: Record<Role, Page>;
const fill: Record<string, string> = { "[product]": "web-shop" };

/** Fails with every violation, each line naming the role, the place and the rule. */
function expectNone(found: string[]) {
  expect(found.length, `accessibility violations:\n${found.join("\n")}\n`).toBe(0);
}

const label = (where: string, violations: string[]) => violations.map((v) => `${where}: ${v}`);

test.beforeAll(async ({ browser, playwright }) => {
  // Four invites (each a password hash), an org, its products, channels and an event: more than one test's worth.
  test.setTimeout(240_000);
  const owner = await (await browser.newContext()).newPage();
  await signInAsOwner(owner);
  await owner.goto("/orgs/new");
  expectNone(label("owner on /orgs/new", await axeViolations(owner)));
  // Named to sort after "Acme Corp": an owner lands on their first org by name, and other specs expect theirs.
  await owner.getByLabel("Organization name").fill(`Web Accessibility ${run}`);
  await owner.getByRole("button", { name: /Create/ }).click();
  await expect(owner).toHaveURL(/\/o\/[^/]+\//);
  org = new URL(owner.url()).pathname.split("/")[2];

  const token = herald("token", "create", "--org", org, "--name", "a11y", "--role", "admin").trim().split("\n").pop()!;
  const request = await playwright.request.newContext({ baseURL: E2E.baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
  const post = async (path: string, data: object) => {
    const res = await request.post(path, { data });
    expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300);
    return res.json();
  };
  await post(`/api/v1/orgs/${org}/products`, { name: "Web Shop", slug: "web-shop" });
  await post(`/api/v1/orgs/${org}/products`, { name: "Other App", slug: "other-app" });
  const inbox = (await post(`/api/v1/orgs/${org}/channels`, { type: "inbox", name: "A11y inbox" })).channel.id;
  const hook = (await post(`/api/v1/orgs/${org}/channels`, { type: "webhook", name: "A11y hook", url: (await receiver(request)).url("/a11y"), skipTest: true }))
    .channel.id;
  await post(`/api/v1/orgs/${org}/rules`, { name: "A11y failures", eventTypes: ["deployment.failed"], severities: ["error"], channels: [inbox, hook] });
  await post(`/api/v1/orgs/${org}/rules`, {
    name: "A11y web shop",
    products: ["web-shop"],
    eventTypes: ["deployment.succeeded"],
    severities: ["info"],
    channels: [inbox],
  });
  await post(`/api/v1/orgs/${org}/silences`, { reason: "A11y probe silence", products: ["other-app"], duration: "1d" });
  fill["catchers/[id]"] = await createCatcher(owner, "Accessibility probe", org);

  // The people: an invitation's page is checked before its first use.
  const invite = async (email: string, role: "admin" | "member" = "member") =>
    acceptInvite(browser, await inviteLink(owner, org, email, role), org, PASSWORD, async (page) => {
      if (email === people.admin) expectNone(label("signed out on /invite/{token}", await axeViolations(page)));
    });
  const admin = await invite(people.admin, "admin");
  const member = await invite(people.member);
  const productAdmin = await invite(people.productAdmin);
  const otherProductAdmin = await invite(people.otherProductAdmin);
  await makeProductAdmin(owner, org, "web-shop", people.productAdmin);
  await makeProductAdmin(owner, org, "other-app", people.otherProductAdmin);
  await inviteLink(owner, org, people.invited); // left pending: the Members page offers to withdraw it
  pages = { owner, admin, member, productAdmin, otherProductAdmin };
  // A dialog's "discard unsaved changes?" is answered yes, so Escape always closes.
  for (const page of Object.values(pages)) page.on("dialog", (question) => void question.accept());

  // An event, and its deliveries, for the pages that show one.
  const ingested = await post("/api/v1/events", { type: "deployment.failed", product: "web-shop", title: "Accessibility probe", severity: "error" });
  fill["events/[id]"] = ingested.events[0].id;
  const firstDelivery = async () =>
    ((await (await request.get(`/api/v1/orgs/${org}/deliveries?event=${fill["events/[id]"]}`)).json()).deliveries[0]?.id as string | undefined) ?? "";
  await expect.poll(firstDelivery, { timeout: 20_000 }).not.toBe("");
  fill["deliveries/[id]"] = await firstDelivery();
  await request.dispose();
});

/** Every button in `scope` that opens a dialog (this spec's org is small: each row's are opened, not one of a kind). */
async function dialogOpeners(scope: Locator | Page): Promise<Locator[]> {
  const buttons = scope.locator('button[aria-haspopup="dialog"]:visible:enabled');
  return Array.from({ length: await buttons.count() }, (_, i) => buttons.nth(i));
}

/** Opens the page's first listbox picker (all of them are one component), checks it, closes it with Escape. */
async function checkListbox(page: Page, where: string): Promise<string[]> {
  const opener = page.locator('button[aria-haspopup="listbox"]:visible:enabled').first();
  if (!(await opener.count())) return [];
  const name = await opener.getAttribute("aria-label");
  await opener.click();
  await expect(page.getByRole("listbox")).toBeVisible();
  const found = label(`${where}, listbox of "${name}"`, await axeViolations(page, "[role=listbox]"));
  await page.keyboard.press("Escape");
  await expect(page.getByRole("listbox")).toHaveCount(0);
  return found;
}

/** Opens each dialog of the page (and each confirmation over it), checks it, closes it with Escape. */
async function checkDialogs(page: Page, where: string): Promise<string[]> {
  const found: string[] = [];
  const open = page.locator("dialog[open]");
  for (const opener of await dialogOpeners(page)) {
    const name = (await opener.textContent())?.trim();
    await opener.click();
    await expect(open).toHaveCount(1);
    found.push(...label(`${where}, dialog of "${name}"`, await axeViolations(page, "dialog[open]")));
    for (const nested of await dialogOpeners(open)) {
      const nestedName = (await nested.textContent())?.trim();
      await nested.click();
      await expect(open).toHaveCount(2);
      found.push(...label(`${where}, dialog of "${name}" → "${nestedName}"`, await axeViolations(page, "dialog[open]")));
      await page.keyboard.press("Escape");
      await expect(open).toHaveCount(1);
    }
    await page.keyboard.press("Escape");
    await expect(open).toHaveCount(0);
  }
  return found;
}

// What a page renders does not depend on the database engine: on PostgreSQL (the suite's second,
// CI-time-bound run) the pages are swept as the owner only — the role that opens every dialog.
const sweptRoles: readonly Role[] = process.env.E2E_DATABASE_URL ? ["owner"] : ROLES;

for (const path of consolePages()) {
  test(`/o/{org}/${path} and its dialogs: no accessibility violation, as ${sweptRoles.join(", ")}`, async () => {
    test.setTimeout(240_000);
    const found: string[] = [];
    for (const role of sweptRoles) {
      const page = pages[role];
      // A page a role may not open shows why, and that page is checked too (who gets which is role-access's business).
      await page.goto(consoleUrl(org, path, fill, "accessibility"));
      await page.waitForLoadState("networkidle");
      const where = `${role} on /o/{org}/${path}`;
      found.push(...label(where, await axeViolations(page)));
      found.push(...(await checkDialogs(page, where)));
      found.push(...(await checkListbox(page, where)));
    }
    expectNone(found);
  });
}

test("the dialogs' other states: each channel type, a refused form, a test alert's preview and results, a role change", async () => {
  test.setTimeout(180_000);
  const page = pages.owner;
  const dialog = page.locator("dialog[open]");
  const found: string[] = [];
  const check = async (what: string) => found.push(...label(what, await axeViolations(page, "dialog[open]")));

  await page.goto(`/o/${org}/notifications`);
  await page.getByRole("button", { name: "Add channel", exact: true }).click();
  const types = await dialog
    .getByLabel("Type")
    .locator("option")
    .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
  expect(types.length).toBeGreaterThan(3);
  for (const type of types) {
    await dialog.getByLabel("Type").selectOption(type);
    await check(`Add channel, type ${type}`);
  }
  await dialog
    .getByRole("button", { name: /^(Add|Save|Create)/ })
    .last()
    .click();
  await expect(dialog.locator('[aria-invalid="true"]').first()).toBeVisible();
  await check("Add channel, refused");
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  await page.getByRole("button", { name: "Add rule", exact: true }).click();
  await dialog
    .getByRole("button", { name: /^(Add|Save|Create)/ })
    .last()
    .click();
  await expect(dialog.locator('[aria-invalid="true"], [role="alert"], .text-red-700, .text-red-600').first()).toBeVisible();
  await check("Add rule, refused");
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  await page.getByRole("button", { name: "Send test alert", exact: true }).click();
  await dialog.getByRole("button", { name: "Preview", exact: true }).click();
  await expect(dialog.getByRole("region", { name: "Preview" })).toBeVisible();
  await check("Send test alert, preview");
  await dialog.getByRole("button", { name: "Send test alert", exact: true }).click();
  await expect(dialog.getByRole("region", { name: "Results" })).toBeVisible();
  // The region shows while the alert is still being sent; its buttons are disabled (and pale) until it is done.
  await expect(dialog.locator("button:disabled")).toHaveCount(0, { timeout: 30_000 });
  await check("Send test alert, results");
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  await page.goto(`/o/${org}/silences`);
  await page.getByRole("button", { name: "New silence", exact: true }).click();
  await dialog.getByRole("button", { name: "Silence", exact: true }).click();
  await expect(dialog.getByText("name at least one matcher")).toBeVisible();
  await check("New silence, refused");
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);

  await page.goto(`/o/${org}/members`);
  await page.getByLabel(`Role of ${people.member}`).selectOption("admin");
  await expect(dialog).toHaveCount(1);
  await check("Members, role change");
  await dialog.getByRole("button", { name: "Cancel", exact: true }).click();
  await expect(dialog).toHaveCount(0);
  expectNone(found);
});

test("every page outside the console is one this spec checks (a new one must be added here)", () => {
  // /setup: foundation.spec, the only time it exists; "": a redirect to the first org.
  const outside = consolePages(path.resolve("app")).filter((p) => !p.startsWith("o/[org]"));
  expect(outside.sort()).toEqual(["", "invite/[token]", "login", "orgs/new", "setup"]);
});

test("a page that is not there (404) has no accessibility violation", async () => {
  const res = await pages.member.goto(`/o/${org}/no-such-page`);
  expect(res?.status()).toBe(404);
  expectNone(label("member on a 404", await axeViolations(pages.member)));
});

test("the sign-in page has no accessibility violation, nor its refusal", async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/login");
  const found = label("/login", await axeViolations(page));
  await page.getByLabel("E-mail").fill(E2E.owner.email);
  await page.getByLabel("Password").fill("not the password!!");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(/Sign-in failed/)).toBeVisible();
  found.push(...label("/login, refused", await axeViolations(page)));
  await page.context().close();
  expectNone(found);
});

test("an invitation to an existing account, signed in, has no accessibility violation", async ({ browser }) => {
  const url = await inviteLink(pages.owner, org, E2E.member.email);
  const page = await (await browser.newContext()).newPage();
  await signIn(page, E2E.member.email, E2E.member.password);
  await page.goto(url);
  await expect(page.getByRole("button", { name: /^Join/ })).toBeVisible();
  const found = label("signed in on /invite/{token}", await axeViolations(page));
  await page.context().close();
  expectNone(found);
});
