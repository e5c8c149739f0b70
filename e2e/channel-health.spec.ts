import { expect, test, type Page } from "@playwright/test";
import { E2E, createToken, receiver, signInAsOwner } from "./fixtures";

// Channel health on the page (issue #20 item 4): the figures under each channel, one notion of "enabled".
const org = E2E.owner.slug;

/** The page shows what the server had when it rendered it: reload until it shows what the dispatcher did since. */
async function reloadUntil(page: Page, check: () => Promise<void>) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: 30_000 });
}

test("a channel's last attempt, last success, last error and 24 h counts are on the page; a failing channel that is enabled shows no Re-enable", async ({
  page,
}) => {
  const peers = await receiver(page.request);
  const token = createToken("admin", `health-e2e-${Date.now()}`);
  const headers = { authorization: `Bearer ${token}` };
  const post = async (path: string, data: unknown) => {
    const res = await page.request.post(path, { headers, data });
    expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300);
    return res.json();
  };
  const event = () => post("/api/v1/events", { type: "billing.credits_low", title: "E2E health credits are low", data: { credits: 3 } });

  await peers.answer(200);
  try {
    const { channel } = await post(`/api/v1/orgs/${org}/channels`, {
      type: "webhook",
      name: "health-e2e-hook",
      url: peers.url("/health-e2e"),
      format: "event",
      skipTest: true,
    });
    await post(`/api/v1/orgs/${org}/rules`, {
      name: "health e2e",
      eventTypes: ["billing.credits_low"],
      severities: ["debug", "info", "warning", "error", "critical", "alert"],
      channels: [channel.id],
    });
    const row = page.locator(`tr[data-channel="health-e2e-hook"]`);
    const figures = page.getByTestId(`channel-figures-${channel.id}`);

    await event();
    await signInAsOwner(page);
    await page.goto(`/o/${org}/notifications`);
    await reloadUntil(page, async () => {
      await expect(figures.getByTestId("last-24h")).toContainText("1 delivered · 0 failed", { timeout: 1_000 });
    });
    await expect(figures.getByTestId("last-attempt")).toContainText(/delivered \(200\) in \d+ ms/);
    await expect(figures.getByTestId("last-success")).toContainText(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    await expect(figures.getByTestId("last-error")).toContainText("none");

    // Five refused deliveries (400: not retried) turn it failing; it is still sent to, so it is enabled.
    await peers.answer(400);
    for (let i = 0; i < 5; i++) await event();
    // The row and the counts are two reads: a page rendered between them may show the counts a moment ahead.
    await reloadUntil(page, async () => {
      await expect(figures.getByTestId("last-24h")).toContainText("1 delivered · 5 failed", { timeout: 1_000 });
      await expect(row.getByText("failing", { exact: true })).toBeVisible({ timeout: 1_000 });
    });
    await expect(figures.getByTestId("last-attempt")).toContainText(/failed \(400\) in \d+ ms/);
    await expect(figures.getByTestId("last-error")).toContainText("The receiver answered 400 Bad Request.");
    await expect(row.getByLabel("Enabled: health-e2e-hook")).toBeChecked();
    await expect(row.getByRole("button", { name: "Re-enable" })).toHaveCount(0);

    // On a phone the figures stack, one under the other, and nothing is wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const table = (await page.getByRole("table", { name: "Channels" }).boundingBox())!;
    expect(table.x + table.width).toBeLessThanOrEqual(390);
    const attemptBox = (await figures.getByTestId("last-attempt").boundingBox())!;
    const successBox = (await figures.getByTestId("last-success").boundingBox())!;
    expect(successBox.y).toBeGreaterThanOrEqual(attemptBox.y + attemptBox.height);
    expect(Math.abs(successBox.x - attemptBox.x)).toBeLessThan(2);
    expect(attemptBox.x + attemptBox.width).toBeLessThanOrEqual(390);
    const edit = row.getByRole("button", { name: "Edit" });
    await edit.scrollIntoViewIfNeeded();
    await expect(edit).toBeInViewport();
    const editBox = (await edit.boundingBox())!;
    expect(editBox.x + editBox.width).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });

    // 410 Gone: Herald disables it. Now — and only now — it is off and offers Re-enable, which turns it back on.
    await peers.answer(410);
    await event();
    await reloadUntil(page, async () => {
      await expect(row.getByText("disabled", { exact: true })).toBeVisible({ timeout: 1_000 });
    });
    await expect(row.getByLabel("Enabled: health-e2e-hook")).not.toBeChecked();
    await expect(figures.getByTestId("last-error")).toContainText("The receiver answered 410 Gone.");
    await peers.answer(200);
    await row.getByRole("button", { name: "Re-enable" }).click();
    await expect(row.getByText("healthy", { exact: true })).toBeVisible({ timeout: 15_000 });
    await expect(row.getByLabel("Enabled: health-e2e-hook")).toBeChecked();
    await expect(row.getByRole("button", { name: "Re-enable" })).toHaveCount(0);
  } finally {
    await peers.answer(200);
  }
});
