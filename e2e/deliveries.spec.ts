import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { E2E, apiPoster, createToken, receiver, signInAsOwner } from "./fixtures";

// The delivery log: a failed delivery with its attempts, then Retry once the receiver is fixed.
const org = E2E.owner.slug;

test("the delivery log shows a failed delivery with its attempts; Retry turns it delivered once the receiver is fixed", async ({ page }) => {
  const peers = await receiver(page.request);
  const post = apiPoster(page.request, createToken("admin", `deliveries-e2e-${Date.now()}`));

  await peers.answer(400);
  try {
    const { channel } = await post(`/api/v1/orgs/${org}/channels`, {
      type: "webhook",
      name: "log-e2e-hook",
      url: peers.url("/log-e2e"),
      format: "event",
      skipTest: true,
    });
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

// Issue #20 item 6: rows name the event, product and channel; a delivery's page shows each attempt's request
// (re-rendered, every secret redacted) and the answer's headers, as the API does.
test("a delivery's page shows the request with its secrets redacted and the answer's headers; the log row names event, product and channel", async ({
  page,
}) => {
  const SECRET = { bearer: "e2eLogBearerTOKEN0123", signing: Buffer.from("e2eLogSigningSECRETbytes-padding").toString("base64") };
  // A receiver of this test's own: known answer headers, one echoing the credential it got.
  const hook = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/plain", "x-request-id": "e2e-req-7", "x-echo": String(req.headers.authorization ?? "") });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const token = createToken("admin", `deliveries-view-e2e-${Date.now()}`);
  const headers = { authorization: `Bearer ${token}` };
  const post = apiPoster(page.request, token);
  try {
    const { channel } = await post(`/api/v1/orgs/${org}/channels`, {
      type: "webhook",
      name: "readable-log-hook",
      url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/readable`,
      format: "envelope",
      auth: { method: "bearer", token: SECRET.bearer },
      signingSecret: `whsec_${SECRET.signing}`,
      skipTest: true,
    });
    await post(`/api/v1/orgs/${org}/rules`, {
      name: "readable log e2e",
      product: "web-shop",
      eventTypes: ["product.released"],
      severities: ["debug", "info", "warning", "error", "critical", "alert"],
      channels: [channel.id],
    });
    const title = `Web shop 4.2 released with a title long enough to be cut in the log row ${"and more ".repeat(8).trim()}`;
    await post("/api/v1/events", { type: "product.released", product: "web-shop", title, data: { version: "4.2" } });

    await signInAsOwner(page);
    await page.goto(`/o/${org}/deliveries?channel=${channel.id}`);
    const row = page.getByRole("table", { name: "Deliveries" }).locator("tr[data-testid^='delivery-']").first();
    await expect(row.getByText("delivered", { exact: true })).toBeVisible({ timeout: 20_000 });
    await expect(row).toContainText("product.released");
    await expect(row.getByRole("link", { name: title })).toBeVisible();
    await expect(row).toContainText("web-shop");
    await expect(row).toContainText("readable-log-hook (webhook)");

    // The row's time opens the delivery's page.
    await row.getByRole("link", { name: /UTC$/ }).click();
    await expect(page).toHaveURL(/\/deliveries\/dlv_/);
    const attempt = page.locator("details[data-testid^='attempt-']").first();
    const request = attempt.getByRole("region", { name: "Request" });
    const response = attempt.getByRole("region", { name: "Response" });
    await expect(request).toContainText("authorization: Bearer [redacted]");
    await expect(request).toContainText("webhook-signature: v1,(HMAC-SHA256");
    await expect(request).toContainText(`"title": ${JSON.stringify(title)}`);
    await expect(request).toContainText('"invoking": "product.released"');
    await expect(response).toContainText("x-request-id: e2e-req-7");
    await expect(response).toContainText("x-echo: [redacted]");
    const html = await page.content();
    for (const secret of Object.values(SECRET)) expect(html).not.toContain(secret);

    // The API says the same.
    const id = page.url().split("/").pop()!;
    const shown = await (await page.request.get(`/api/v1/orgs/${org}/deliveries/${id}`, { headers })).json();
    expect(shown.delivery).toMatchObject({ product: { slug: "web-shop" }, event: { type: "product.released", title }, channel: { name: "readable-log-hook" } });
    expect(shown.delivery.attempts[0].responseHeaders).toMatchObject({ "x-request-id": "e2e-req-7", "x-echo": "[redacted]" });
    expect(shown.request.messages[0].body).toMatchObject({ title, invoking: "product.released", tenant: "web-shop" });
    expect(JSON.stringify(shown)).not.toContain(SECRET.bearer);
  } finally {
    await new Promise((resolve) => hook.close(resolve));
  }
});

// Session 15 (a newcomer's trial): a failed delivery's own page offers Retry, as its row in the log does.
test("a failed delivery's page has Retry: queued again, then delivered once the receiver is fixed", async ({ page }) => {
  const peers = await receiver(page.request);
  const post = apiPoster(page.request, createToken("admin", `deliveries-page-retry-${Date.now()}`));
  await peers.answer(400);
  try {
    const { channel } = await post(`/api/v1/orgs/${org}/channels`, {
      type: "webhook",
      name: "page-retry-hook",
      url: peers.url("/page-retry"),
      format: "event",
      skipTest: true,
    });
    await post(`/api/v1/orgs/${org}/rules`, { name: "page retry e2e", eventTypes: ["billing.credits_low"], severities: ["info"], channels: [channel.id] });
    await post("/api/v1/events", { type: "billing.credits_low", title: "E2E page retry", severity: "info" });

    await signInAsOwner(page);
    await page.goto(`/o/${org}/deliveries?channel=${channel.id}`);
    const row = page.getByRole("table", { name: "Deliveries" }).locator("tr[data-testid^='delivery-']").first();
    await expect(row.getByText("failed", { exact: true })).toBeVisible({ timeout: 20_000 });
    await row.getByRole("link").first().click();
    await expect(page).toHaveURL(/\/deliveries\/[^/?]+$/);
    const status = page.getByText("failed", { exact: true }).first();
    await expect(status).toBeVisible();

    await peers.answer(200);
    await page.getByRole("button", { name: "Retry" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Queued again" })).toBeVisible();
    // The page is rendered on the server: reload until the dispatcher has sent it.
    await expect(async () => {
      await page.reload();
      await expect(page.getByText("delivered", { exact: true }).first()).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await expect(page.getByRole("button", { name: "Retry" })).toHaveCount(0);
    await expect(page.locator("details")).toHaveCount(2);
  } finally {
    await peers.answer(200);
  }
});
