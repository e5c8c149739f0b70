import { expect, test } from "@playwright/test";
import { E2E, signInAsOwner } from "./fixtures";

// Issue #20 item 8: a role change is a change of rights, so the console asks first;
// Cancel leaves the role as it was. (The member's role is set back at the end.)
test("changing a member's role asks first; Cancel keeps it, Change role saves it", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${E2E.owner.slug}/members`);
  const role = page.getByLabel(`Role of ${E2E.member.email}`);
  await expect(role).toHaveValue("member");

  await role.selectOption("admin");
  const ask = page.getByRole("dialog", { name: `Make ${E2E.member.email} an admin?` });
  await expect(ask).toContainText("From member to admin");
  await ask.getByRole("button", { name: "Cancel" }).click();
  await expect(ask).toBeHidden();
  await page.reload();
  await expect(role).toHaveValue("member");

  await role.selectOption("admin");
  await ask.getByRole("button", { name: "Change role" }).click();
  await expect(ask).toBeHidden();
  await page.reload();
  await expect(role).toHaveValue("admin");

  await role.selectOption("member");
  await page
    .getByRole("dialog", { name: `Make ${E2E.member.email} a member?` })
    .getByRole("button", { name: "Change role" })
    .click();
  await page.reload();
  await expect(role).toHaveValue("member");
});
