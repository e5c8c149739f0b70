import { expect, test } from "@playwright/test";
import { E2E, signInAsOwner } from "./fixtures";

// Issue #18: the retention is said in Settings, and an owner may keep less than the instance, never more.
test("an owner sets a shorter retention for the org; a longer one is refused next to the field", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${E2E.owner.slug}/settings`);
  const card = page.getByRole("form", { name: "Data retention" });
  await expect(page.getByText(/are deleted after\s*30 days/)).toBeVisible();
  const field = card.getByLabel("Keep finished deliveries (days)");
  await field.fill("45");
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByText("must be at most 30 days, this instance's retention (HERALD_RETENTION_DAYS)")).toBeVisible();
  await field.fill("7");
  await card.getByRole("button", { name: "Save" }).click();
  await expect(card.getByText("Saved.")).toBeVisible();
  await expect(page.getByText(/are deleted after\s*7 days/)).toBeVisible();
  await field.fill("");
  await card.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(/are deleted after\s*30 days/)).toBeVisible();
});
