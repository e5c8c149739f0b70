import { expect, test } from "@playwright/test";
import { E2E, signInAsOwner } from "./fixtures";

// The request catcher: a newcomer sees a real signed delivery on Herald itself, without a receiver.
test.describe.configure({ mode: "serial" });

const org = E2E.owner.slug;

test("an owner creates a catcher, sends it a test and sees the signed request with a valid signature", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${org}/notifications`);
  await page.getByRole("link", { name: "Request catcher" }).click();
  await expect(page.getByRole("heading", { name: "Request catcher" })).toBeVisible();

  await page.getByLabel("Name").fill("First look");
  await page.getByRole("button", { name: "Create catcher" }).click();
  await expect(page.getByRole("heading", { name: "First look" })).toBeVisible();
  const url = (await page.getByTestId("catcher-url").textContent())!.trim();
  expect(url).toMatch(new RegExp(`^${E2E.baseURL}/catch/[A-Za-z0-9_-]{32}$`));
  // The channel made for it is chosen already.
  await expect(page.getByLabel(/Webhook channel/)).toHaveValue(/^ch_/);

  await page.getByRole("button", { name: "Send a test" }).click();
  await expect(page.getByText(/Delivered \(200\)/)).toBeVisible();
  const requests = page.getByRole("list", { name: "Caught requests" });
  await expect(requests.getByRole("listitem")).toHaveCount(1);
  const newest = requests.getByRole("listitem").first();
  await expect(newest.getByText("signature valid")).toBeVisible();
  await expect(newest.getByText("webhook-signature")).toBeVisible();
  await expect(newest.getByText(/"type": "herald.test"/)).toBeVisible();
  // The secret that checked it never reached the browser.
  // (Masked hints of other channels' secrets, "whsec_****…", may be on the page; no secret itself.)
  expect(await page.content()).not.toMatch(/whsec_[A-Za-z0-9+/]/);

  // A request whose body was changed after signing is caught too, and shown as invalid.
  expect((await page.request.get(url)).status()).toBe(405);
  const headers = Object.fromEntries(
    await Promise.all(
      ["webhook-id", "webhook-timestamp", "webhook-signature"].map(async (name) => [
        name,
        (await newest.locator("tr", { hasText: name }).locator("td").textContent())!,
      ]),
    ),
  );
  const tampered = await page.request.post(url, { data: '[{"tampered":true}]', headers: { ...headers, "content-type": "application/json" } });
  expect(tampered.status()).toBe(200);
  await page.getByRole("button", { name: "Refresh" }).click();
  await expect(requests.getByRole("listitem")).toHaveCount(2);
  await expect(requests.getByRole("listitem").first().getByText("signature invalid")).toBeVisible();

  // An unknown token is 404, signed in or not.
  expect((await page.request.post(`${E2E.baseURL}/catch/${"A".repeat(32)}`, { data: "{}" })).status()).toBe(404);
});
