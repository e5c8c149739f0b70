import { expect, test, type Page } from "@playwright/test";
import { E2E, signIn, signInAsOwner } from "./fixtures";

// Someone who already has an account is invited to a second org: the link gives nothing by itself,
// they accept signed in as themselves, and the org is not theirs until then (issue #15, item 1).
test.describe.configure({ mode: "serial" });

const SECOND_ORG = "Beta Invitations";
let secondSlug = "";

async function addMember(owner: Page, slug: string, email: string, role = "member") {
  await owner.goto(`/o/${slug}/members`);
  await owner.getByLabel("E-mail").fill(email);
  await owner.getByLabel("Role", { exact: true }).selectOption(role);
  await owner.getByRole("button", { name: "Add member" }).click();
  await expect(owner.getByText(`Invitation created for ${email}`)).toBeVisible();
  return (await owner.getByTestId("invite-url").textContent())!.trim();
}

test("an existing account accepts an invitation to another org while signed in, through the link", async ({ page, browser }) => {
  await signInAsOwner(page);
  await page.goto("/orgs/new");
  await page.getByLabel("Organization name").fill(SECOND_ORG);
  await page.getByRole("button", { name: /Create/ }).click();
  await expect(page).toHaveURL(/\/o\/[^/]+\//);
  secondSlug = new URL(page.url()).pathname.split("/")[2];

  const url = await addMember(page, secondSlug, E2E.member.email, "admin");
  await expect(page.getByRole("row", { name: new RegExp(E2E.member.email) })).toContainText("invited");

  const context = await browser.newContext();
  const member = await context.newPage();
  // Signed out, the link asks to sign in: it does not set a password.
  await member.goto(url);
  await expect(member.getByRole("heading", { name: `Join ${SECOND_ORG}` })).toBeVisible();
  await expect(member.getByLabel("Password")).toHaveCount(0);

  // Before accepting, the org is not theirs: not in the switcher, its pages 404.
  await signIn(member, E2E.member.email, E2E.member.password);
  await expect(member.getByRole("combobox", { name: "Organization" }).getByRole("option", { name: SECOND_ORG })).toHaveCount(0);
  expect((await member.goto(`/o/${secondSlug}/notifications`))?.status()).toBe(404);

  // Through the link again, signed in: join.
  await member.goto(url);
  await member.getByRole("button", { name: `Join ${SECOND_ORG}` }).click();
  await expect(member).toHaveURL(new RegExp(`/o/${secondSlug}/notifications`));
  await expect(member.getByTestId("current-role")).toHaveText("admin");
  await expect(member.getByRole("combobox", { name: "Organization" }).getByRole("option", { name: SECOND_ORG })).toHaveCount(1);
  await context.close();

  await page.goto(`/o/${secondSlug}/members`);
  await expect(page.getByRole("row", { name: new RegExp(E2E.member.email) })).toContainText("active");
});

test("an invitation cannot be accepted by another signed-in person; a withdrawn one's link dies", async ({ page }) => {
  await signInAsOwner(page);
  const url = await addMember(page, secondSlug, "other-account@acme.test");
  // The link of a new account sets its password; once that account exists, a new link for it does not.
  const visitor = await page.context().browser()!.newContext();
  const invitee = await visitor.newPage();
  await invitee.goto(url);
  await invitee.getByLabel("Password", { exact: true }).fill("other account password");
  await invitee.getByLabel("Confirm password").fill("other account password");
  await invitee.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(invitee).toHaveURL(new RegExp(`/o/${secondSlug}/`));
  await visitor.close();

  // The owner invites that account to their first org and opens the link themselves, signed in as the owner.
  const again = await addMember(page, E2E.owner.slug, "other-account@acme.test");
  await page.goto(again);
  await expect(page.getByRole("heading", { name: "This invitation is for other-account@acme.test" })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Join/ })).toHaveCount(0);

  await page.goto(`/o/${E2E.owner.slug}/members`);
  const row = page.getByRole("row", { name: /other-account@acme\.test/ });
  await expect(row).toContainText("invited");
  await row.getByRole("button", { name: "Withdraw" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Withdraw" }).click();
  await expect(row).toHaveCount(0);
  await page.goto(again);
  await expect(page.getByText("This invite link does not work")).toBeVisible();
});
