import { expect, test } from "@playwright/test";
import { E2E, createToken, receiver, signInAsOwner } from "./fixtures";

// The delivery log: a failed delivery with its attempts, then Retry once the receiver is fixed.
const org = E2E.owner.slug;

test("the delivery log shows a failed delivery with its attempts; Retry turns it delivered once the receiver is fixed", async ({ page }) => {
  const peers = await receiver(page.request);
  const token = createToken("admin", `deliveries-e2e-${Date.now()}`);
  const headers = { authorization: `Bearer ${token}` };
  const post = async (path: string, data: unknown) => {
    const res = await page.request.post(path, { headers, data });
    expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300);
    return res.json();
  };

  await peers.answer(400);
  try {
    const { channel } = await post(`/api/v1/orgs/${org}/channels`, { type: "webhook", name: "log-e2e-hook", url: peers.url("/log-e2e"), format: "event", skipTest: true });
    await post(`/api/v1/orgs/${org}/rules`, {
      name: "log e2e",
      eventTypes: ["billing.credits_low"],
      severities: ["debug", "info", "warning", "error", "critical", "alert"],
      channels: [channel.id],
    });
    await post("/api/v1/events", { type: "billing.credits_low", title: "E2E credits are low", data: { credits: 3 } });

    await signInAsOwner(page);
    await page.goto(`/o/${org}/deliveries?channel=${channel.id}`);
    const log = page.getByRole("table", { name: "Deliveries" });
    // The log is filtered to this channel: one delivery, whose row is the first.
    const row = log.locator("tr[data-testid^='delivery-']").first();
    // The in-process dispatcher sends within a moment; the page polls every 5 s.
    await expect(row.getByText("failed", { exact: true })).toBeVisible({ timeout: 20_000 });
    await row.getByRole("button", { name: "1 attempt" }).click();
    const attempts = page.getByRole("table", { name: /^Attempts of / });
    await expect(attempts).toContainText("400");
    await expect(attempts).toContainText("the receiver answered 400 Bad Request");

    await peers.answer(200);
    await row.getByRole("button", { name: "Retry" }).click();
    await expect(row.getByText("delivered", { exact: true })).toBeVisible({ timeout: 20_000 });
    await expect(row.getByRole("button", { name: "2 attempts" })).toBeVisible();
    await expect(row.getByRole("button", { name: "Retry" })).toHaveCount(0);
    await expect(attempts.getByText("delivered", { exact: true })).toBeVisible();

    const arrived = ((await peers.requests()) as { path: string; headers: Record<string, string> }[]).filter((r) => r.path === "/log-e2e");
    expect(arrived).toHaveLength(2);
    expect(arrived[0].headers["webhook-id"]).toBe(arrived[1].headers["webhook-id"]);
  } finally {
    await peers.answer(200);
  }
});
