import { expect, test, type Page } from "@playwright/test";
import { E2E, createToken, signInAsOwner } from "./fixtures";

// Silences and snoozes (issue #23 item 2) end to end: an owner silences a product's
// failed deployments, the next one is stored but kept from the channel (the event page
// says by what), expires the silence after asking; then snoozes one recurring alert
// from its event page, as the Snooze link in e-mail and Slack opens it.
test.describe.configure({ mode: "serial" });

const org = E2E.owner.slug;
const PRODUCT = { name: "Silenced App", slug: "silenced-app" };
const CHANNEL = "Silence e2e inbox";
const REASON = `Cluster move ${Date.now()}`;
let token: string;

async function post(page: Page, title: string) {
  const res = await page.request.post("/api/v1/events", {
    headers: { authorization: `Bearer ${token}` },
    data: { type: "deployment.failed", product: PRODUCT.slug, severity: "error", title },
  });
  expect(res.status()).toBe(202);
  return (await res.json()).events[0] as { id: string; deliveries: number };
}

test.beforeAll(async ({ request }) => {
  token = createToken("admin", `silences-e2e-${Date.now()}`);
  const headers = { authorization: `Bearer ${token}` };
  expect((await request.post(`/api/v1/orgs/${org}/products`, { headers, data: PRODUCT })).status()).toBe(201);
  const channel = await request.post(`/api/v1/orgs/${org}/channels`, { headers, data: { type: "inbox", name: CHANNEL } });
  expect(channel.status()).toBe(201);
  const rule = await request.post(`/api/v1/orgs/${org}/rules`, {
    headers,
    data: {
      name: "Silence e2e",
      products: [PRODUCT.slug],
      eventTypes: ["deployment.failed"],
      severities: ["error"],
      channels: [(await channel.json()).channel.id],
    },
  });
  expect(rule.status()).toBe(201);
});

test("an owner silences a product's failures; the next one is stored, marked, and kept from the channel; expiring asks first", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${org}/silences`);
  await expect(page.getByText("Nothing is silenced: every notification goes out.")).toBeVisible();

  await page.getByRole("button", { name: "New silence" }).click();
  const dialog = page.getByRole("dialog");
  // Nothing named: refused, next to the event types, and nothing saved.
  await dialog.getByLabel("Reason").fill(REASON);
  await dialog.getByRole("button", { name: "Silence", exact: true }).click();
  await expect(dialog.getByText("name at least one matcher")).toBeVisible();

  await dialog.getByRole("checkbox", { name: /\(deployment\.failed\)/ }).check();
  await dialog.getByRole("checkbox", { name: PRODUCT.name }).check();
  await dialog.getByLabel("For").selectOption("1d");
  await dialog.getByRole("button", { name: "Silence", exact: true }).click();
  await expect(dialog).toBeHidden();
  const listed = page.locator(`li[data-silence="${REASON}"]`);
  await expect(listed).toContainText(`deployment.failed · of ${PRODUCT.slug} · to every channel`);
  await expect(listed).toContainText("silenced 0 events");

  const kept = await post(page, "Deploy 7 failed during the move");
  expect(kept.deliveries).toBe(0);
  await page.goto(`/o/${org}/events/${kept.id}`);
  await expect(page.getByTestId("silenced-by")).toContainText(REASON);
  await expect(page.locator('li[data-trace-rule="Silence e2e"]').locator(`li[data-channel="${CHANNEL}"]`)).toContainText(`Silenced: “${REASON}”`);
  await page.goto(`/o/${org}/events?product=${PRODUCT.slug}`);
  await expect(page.locator(`tr[data-event="${kept.id}"]`)).toContainText("(silenced)");

  await page.goto(`/o/${org}/silences`);
  await expect(listed).toContainText("silenced 1 event");
  await listed.getByRole("button", { name: "Expire" }).click();
  const confirm = page.getByRole("dialog");
  await expect(confirm).toContainText("go out again from now on");
  await confirm.getByRole("button", { name: "Expire now" }).click();
  await expect(page.getByText("Nothing is silenced: every notification goes out.")).toBeVisible();
  await expect(listed).toContainText("expired by");

  // Sent again once expired.
  expect((await post(page, "Deploy 8 failed after the move")).deliveries).toBeGreaterThan(0);
});

test("the Snooze link opens the event's snooze control; a snooze keeps that alert quiet", async ({ page }) => {
  await signInAsOwner(page);
  const first = await post(page, "Certificate of shop.example expires in 5 days");
  await page.goto(`/o/${org}/events/${first.id}?snooze=1`);
  const days = page.getByLabel("Snooze this alert (same type, product and title) for");
  await expect(days).toBeFocused();
  await days.selectOption("14");
  await page.getByTestId("snooze").getByRole("button", { name: "Snooze" }).click();
  await expect(page.getByTestId("snooze")).toContainText("Snoozed until");

  expect((await post(page, "Certificate of shop.example expires in 5 days")).deliveries).toBe(0);
  expect((await post(page, "Certificate of api.example expires in 5 days")).deliveries).toBeGreaterThan(0);
  await page.goto(`/o/${org}/silences`);
  await expect(page.locator('li[data-silence="Snoozed for 14 days"]')).toContainText("titled “Certificate of shop.example expires in 5 days”");
  // The API says the same.
  const api = await page.request.get(`/api/v1/orgs/${org}/silences?state=active`, { headers: { authorization: `Bearer ${token}` } });
  expect((await api.json()).silences).toEqual(
    expect.arrayContaining([expect.objectContaining({ reason: "Snoozed for 14 days", products: [PRODUCT.slug], silencedEvents: 1 })]),
  );
});
