import { expect, test, type Page } from "@playwright/test";
import { E2E, createToken, receiver, signInAsOwner, unreadCount as unread } from "./fixtures";

// "Send test alert": pick channels and sample events, preview the exact bodies, send, watch each result, retry a failure.
test.describe.configure({ mode: "serial" });

const org = E2E.owner.slug;
const HOOK = "ta-hook";

const dialog = (page: Page) => page.getByRole("dialog");
const result = (page: Page, channel: string) => dialog(page).locator(`[data-testid="test-alert-result"][data-channel="${channel}"]`);

async function openDialog(page: Page) {
  await page.goto(`/o/${org}/notifications`);
  await page.getByRole("button", { name: "Send test alert" }).click();
  await expect(dialog(page).getByRole("heading", { name: "Send test alert" })).toBeVisible();
}

async function pick(page: Page, ...channels: string[]) {
  await dialog(page).getByLabel("Pick channels").check();
  const list = dialog(page).getByRole("list", { name: "Channels to test" });
  for (const name of channels) await list.getByRole("checkbox", { name: new RegExp(`^${name}\\b`) }).check();
}

test.beforeAll(async ({ request }) => {
  const peers = await receiver(request);
  await peers.reset();
  // A webhook channel to the loopback receiver, created through the API.
  const res = await request.post(`/api/v1/orgs/${org}/channels`, {
    headers: { authorization: `Bearer ${createToken("admin", "e2e-test-alert")}` },
    data: { type: "webhook", name: HOOK, url: peers.url("/test-alert-hook"), skipTest: true },
  });
  expect(res.status()).toBe(201);
});

test("pick a webhook and the console inbox, two sample events, preview, send, see both results and the bell", async ({ page }) => {
  const peers = await receiver(page.request);
  await signInAsOwner(page);
  await openDialog(page);
  const before = await unread(page);

  await pick(page, HOOK, "Console inbox");
  const d = dialog(page);
  await d.getByRole("button", { name: "Add sample event" }).click();
  await d.getByRole("button", { name: "Add sample event" }).click();
  const first = d.getByRole("group", { name: "Sample event 1" });
  await first.getByLabel("Event type").selectOption("deployment.failed");
  await first.getByLabel("Severity").selectOption("critical");
  const second = d.getByRole("group", { name: "Sample event 2" });
  await second.getByLabel("Event type").selectOption("billing.credits_low");
  await second.getByLabel("Severity").selectOption("warning");

  // The preview: one card per channel, the webhook's JSON body with both events, its signature redacted.
  await d.getByRole("button", { name: "Preview" }).click();
  const cards = d.getByTestId("preview-channel");
  await expect(cards).toHaveCount(2);
  const hookCard = d.getByRole("article", { name: `Preview for ${HOOK}` });
  await expect(hookCard).toContainText('"type": "deployment.failed"');
  await expect(hookCard).toContainText('"severity": "critical"');
  await expect(hookCard).toContainText('"type": "billing.credits_low"');
  await expect(hookCard).toContainText("webhook-signature");
  await expect(d.getByRole("article", { name: "Preview for Console inbox" })).toContainText("In the console inbox");

  await d.getByRole("button", { name: "Send test alert" }).click();
  await expect(result(page, HOOK)).toContainText("delivered");
  await expect(result(page, HOOK)).toContainText(/status 200, \d+ ms/);
  await expect(result(page, "Console inbox")).toContainText("delivered");
  await expect(result(page, HOOK).getByRole("link", { name: "View in delivery log" })).toHaveAttribute("href", /\/deliveries\?channel=ch_.+&event=evt_/);
  // Below two preview cards the results would be out of sight: the dialog brings them into view.
  await expect(d.getByRole("region", { name: "Results" })).toBeInViewport();

  // The receiver got one signed POST with both test events.
  const hits = (await peers.requests()).filter((r: { path: string }) => r.path === "/test-alert-hook");
  expect(hits).toHaveLength(1);
  expect(hits[0].headers["webhook-signature"]).toMatch(/^v1,/);
  expect(JSON.parse(hits[0].body).map((e: { type: string; data: { test: boolean } }) => [e.type, e.data.test])).toEqual([
    ["deployment.failed", true],
    ["billing.credits_low", true],
  ]);

  // The bell counts the two test notifications.
  await d.getByRole("button", { name: "Close" }).click();
  await expect.poll(() => unread(page)).toBe(before + 2);
  // In the inbox, each says it is a test (the delivery log does too, below).
  await page.goto(`/o/${org}/inbox?state=unread`);
  const notifications = page.getByRole("list", { name: "Notifications" }).getByRole("listitem");
  for (const type of ["deployment.failed", "billing.credits_low"]) {
    await expect(notifications.filter({ hasText: type }).first().getByText("test", { exact: true })).toBeVisible();
  }

  // The delivery log marks the test delivery as the dialog says it does.
  await page.goto(`/o/${org}/deliveries`);
  const row = page.getByRole("table", { name: "Deliveries" }).locator("tr[data-testid^='delivery-']", { hasText: HOOK }).first();
  await expect(row.getByText("test", { exact: true })).toBeVisible();
});

test("a receiver answering 500 shows the failure with its status; Retry succeeds once it is fixed", async ({ page }) => {
  const peers = await receiver(page.request);
  await peers.answer(500);
  try {
    await signInAsOwner(page);
    await openDialog(page);
    await pick(page, HOOK);
    await dialog(page).getByRole("button", { name: "Send test alert" }).click();
    await expect(result(page, HOOK)).toContainText("failed");
    await expect(result(page, HOOK)).toContainText("status 500");
    await expect(result(page, HOOK)).toContainText(/500/);

    await peers.answer(200);
    await result(page, HOOK)
      .getByRole("button", { name: `Retry ${HOOK}` })
      .click();
    await expect(result(page, HOOK)).toContainText("delivered");
    await expect(result(page, HOOK)).toContainText("status 200");
    // The test never touched the channel's health.
    await dialog(page).getByRole("button", { name: "Close" }).click();
    await expect(page.locator(`tr[data-channel="${HOOK}"]`).getByText("healthy")).toBeVisible();
  } finally {
    await peers.reset();
  }
});

test("the dialog works from the keyboard: open, choose, send", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${org}/notifications`);
  await page.getByRole("button", { name: "Send test alert" }).focus();
  await page.keyboard.press("Enter");
  await expect(dialog(page)).toBeVisible();
  // The first control gets focus; Space picks "Pick channels" after one arrow.
  await dialog(page).getByLabel("All enabled channels", { exact: false }).focus();
  await page.keyboard.press("ArrowDown");
  await expect(dialog(page).getByLabel("Pick channels")).toBeChecked();
  // None picked yet: Preview and Send are off, and the dialog says why.
  await expect(dialog(page).getByRole("button", { name: "Preview" })).toBeDisabled();
  await expect(dialog(page).getByText("Preview and Send need a channel: pick at least one above.")).toBeVisible();
  await dialog(page)
    .getByRole("checkbox", { name: /^Console inbox\b/ })
    .focus();
  await page.keyboard.press("Space");
  await dialog(page).getByRole("button", { name: "Send test alert" }).focus();
  await page.keyboard.press("Enter");
  await expect(result(page, "Console inbox")).toContainText("delivered");
  await page.keyboard.press("Escape");
  await expect(dialog(page)).toBeHidden();
});

test("Product settings offers the same dialog, scoped to the product", async ({ page, request }) => {
  const res = await request.post(`/api/v1/orgs/${org}/products`, {
    headers: { authorization: `Bearer ${createToken("admin", "e2e-test-alert-product")}` },
    data: { name: "Test Alert Shop", slug: "ta-shop" },
  });
  expect(res.status()).toBe(201);
  await signInAsOwner(page);
  await page.goto(`/o/${org}/products/ta-shop`);
  await page.getByRole("button", { name: "Send test alert" }).click();
  await expect(dialog(page).getByRole("heading", { name: "Send test alert — Test Alert Shop" })).toBeVisible();
  await pick(page, "Console inbox");
  await dialog(page).getByRole("button", { name: "Add sample event" }).click();
  await dialog(page).getByRole("group", { name: "Sample event 1" }).getByLabel("Event type").selectOption("deployment.succeeded");
  await dialog(page).getByRole("button", { name: "Preview" }).click();
  await expect(dialog(page).getByText(/deployment\.succeeded, info, ta-shop/)).toBeVisible();
  await dialog(page).getByRole("button", { name: "Send test alert" }).click();
  await expect(result(page, "Console inbox")).toContainText("delivered");
});

test("while the page holds unsaved changes, Send is disabled and says to save first", async ({ page }) => {
  await signInAsOwner(page);
  await openDialog(page);
  const send = dialog(page).getByRole("button", { name: "Send test alert" });
  await expect(send).toBeEnabled();
  // Any form on the page marks unsaved edits with data-unsaved="true" (components/unsaved-changes.ts); stand one in.
  await page.evaluate(() => {
    const form = document.createElement("form");
    form.id = "e2e-dirty-form";
    form.setAttribute("data-unsaved", "true");
    document.body.appendChild(form);
  });
  await expect(send).toBeDisabled();
  await expect(dialog(page).getByText(/unsaved changes: save \(or discard\) them first/)).toBeVisible();
  await page.evaluate(() => document.getElementById("e2e-dirty-form")?.remove());
  await expect(send).toBeEnabled();
  // The channel form marks itself: typing in "Add channel" sets the flag, cancelling clears it.
  await dialog(page).getByRole("button", { name: "Close" }).click();
  await page.getByRole("button", { name: "Add channel" }).click();
  await dialog(page).getByLabel("Name").fill("half-typed");
  await expect(page.locator('form[data-unsaved="true"]')).toHaveCount(1);
  page.once("dialog", (question) => question.accept()); // "Discard them?" — yes
  await dialog(page).getByRole("button", { name: "Cancel" }).click();
  await expect(page.locator('form[data-unsaved="true"]')).toHaveCount(0);
});
