import { expect, test, type Page } from "@playwright/test";
import { E2E, signInAsOwner } from "./fixtures";

/**
 * Issue #20 item 2: no edit is lost without a word. Escape or Cancel on an
 * edited dialog, and leaving a page with a changed setting, ask first
 * (components/unsaved-changes.ts); "Cancel" on that question keeps the edit.
 */

const org = E2E.owner.slug;
const QUESTION = "You have unsaved changes. Discard them?";
const dialog = (page: Page) => page.getByRole("dialog");

/** Answers the next browser question, after checking it is ours. */
function answerNext(page: Page, accept: boolean) {
  page.once("dialog", async (question) => {
    expect(question.message()).toBe(QUESTION);
    await (accept ? question.accept() : question.dismiss());
  });
}

test("an edited channel dialog asks before Escape or Cancel drops the edit; an untouched one closes at once", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${org}/notifications`);
  await page.locator('tr[data-channel="Console inbox"]').getByRole("button", { name: "Edit" }).click();
  // Untouched: Escape closes without a question (a question would fail answerNext's absence below).
  await page.keyboard.press("Escape");
  await expect(dialog(page)).toHaveCount(0);

  await page.locator('tr[data-channel="Console inbox"]').getByRole("button", { name: "Edit" }).click();
  await dialog(page).getByLabel("Name").fill("Console inbox (edited)");
  answerNext(page, false);
  await page.keyboard.press("Escape");
  await expect(dialog(page).getByLabel("Name")).toHaveValue("Console inbox (edited)");
  answerNext(page, false);
  await dialog(page).getByRole("button", { name: "Cancel" }).click();
  await expect(dialog(page).getByLabel("Name")).toHaveValue("Console inbox (edited)");
  answerNext(page, true);
  await dialog(page).getByRole("button", { name: "Cancel" }).click();
  await expect(dialog(page)).toHaveCount(0);
  await expect(page.locator('tr[data-channel="Console inbox"]')).toHaveCount(1);
});

test("an edited rule dialog asks before Cancel drops it", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${org}/notifications`);
  await page.getByRole("button", { name: "Add rule" }).click();
  await dialog(page).getByLabel("Rule name").fill("Half-written rule");
  answerNext(page, false);
  await dialog(page).getByRole("button", { name: "Cancel" }).click();
  await expect(dialog(page).getByLabel("Rule name")).toHaveValue("Half-written rule");
  answerNext(page, true);
  await page.keyboard.press("Escape");
  await expect(dialog(page)).toHaveCount(0);
});

test("leaving a product page with a changed notification setting asks first", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${org}/products/web-shop`);
  const severity = page.locator('tr[data-event-type="deployment.succeeded"]').getByLabel("Lowest severity for deployment.succeeded");
  const before = await severity.inputValue();
  const changed = before === "warning" ? "error" : "warning";
  await severity.selectOption(changed);
  answerNext(page, false);
  await page.getByRole("link", { name: "Events", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/products/web-shop$`));
  await expect(severity).toHaveValue(changed);
  answerNext(page, true);
  await page.getByRole("link", { name: "Events", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${org}/events`));
});
