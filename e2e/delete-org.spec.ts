import { expect, test } from "@playwright/test";
import { E2E, signIn, signInAsOwner } from "./fixtures";

// Issue #20 item 8: an owner deletes an organization by typing its name; the page says first
// that its waiting deliveries are dropped. Members and admins do not get the control.
test("an owner deletes an organization by typing its name; the others keep theirs", async ({ page }) => {
  const name = `Doomed ${Date.now()}`;
  await signInAsOwner(page);
  await page.goto("/orgs/new");
  await page.getByLabel("Organization name").fill(name);
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL(/\/o\/doomed-[^/]+\/notifications$/);
  const slug = new URL(page.url()).pathname.split("/")[2]!;

  await page.goto(`/o/${slug}/settings`);
  const card = page.locator("section", { has: page.getByRole("heading", { name: "Delete organization" }) });
  const button = card.getByRole("button", { name: "Delete organization" });
  await expect(button).toBeDisabled();
  await card.getByLabel(`Type ${name} to confirm`).fill(name.slice(0, -1));
  await expect(button).toBeDisabled();
  await card.getByLabel(`Type ${name} to confirm`).fill(name);
  await button.click();
  await page.waitForURL((url) => !url.pathname.startsWith(`/o/${slug}`));
  expect((await page.goto(`/o/${slug}/settings`))?.status()).toBe(404);
  // The e2e org is untouched.
  expect((await page.goto(`/o/${E2E.owner.slug}/settings`))?.status()).toBe(200);
});

test("a member sees no Delete organization", async ({ page }) => {
  await signIn(page, E2E.member.email, E2E.member.password);
  await page.goto(`/o/${E2E.owner.slug}/settings`);
  await expect(page.getByRole("heading", { name: "Organization settings" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Delete organization" })).toHaveCount(0);
});
