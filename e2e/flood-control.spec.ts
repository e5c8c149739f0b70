import { expect, test } from "@playwright/test";
import { E2E, createToken, signInAsOwner } from "./fixtures";

// Flood control (issue #24 item 2) end to end: an owner turns it on for a channel in its
// dialog (a limit out of range is refused next to the field, nothing saved), a product
// then floods it: the first notifications go out one by one, the rest wait in one summary
// (the event page says so), and channel.flooded is raised once.
test.describe.configure({ mode: "serial" });

const org = E2E.owner.slug;
const PRODUCT = { name: "Flood App", slug: "flood-app" };
const CHANNEL = "Flood e2e inbox";
let token: string;
let channelId: string;

test.beforeAll(async ({ request }) => {
  token = createToken("admin", `flood-e2e-${Date.now()}`);
  const headers = { authorization: `Bearer ${token}` };
  expect((await request.post(`/api/v1/orgs/${org}/products`, { headers, data: PRODUCT })).status()).toBe(201);
  const channel = await request.post(`/api/v1/orgs/${org}/channels`, { headers, data: { type: "inbox", name: CHANNEL } });
  expect(channel.status()).toBe(201);
  channelId = (await channel.json()).channel.id;
  expect((await channel.json()).channel.flood).toBeNull(); // off by default for the inbox
  const rule = await request.post(`/api/v1/orgs/${org}/rules`, {
    headers,
    data: { name: "Flood e2e", products: [PRODUCT.slug], eventTypes: ["deployment.failed"], severities: ["error"], channels: [channelId] },
  });
  expect(rule.status()).toBe(201);
});

test("an owner sets a channel's flood limit; a flood then goes into one summary and channel.flooded is raised once", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${org}/notifications`);
  await page.locator(`tr[data-channel="${CHANNEL}"]`).getByRole("button", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog");
  const flood = dialog.getByRole("group", { name: "Flood control" });
  await flood.getByRole("checkbox", { name: /Summarize a flood/ }).check();
  await flood.getByLabel("More than (notifications)").fill("0");
  await flood.getByLabel("Within (minutes)").fill("60");
  await dialog.getByRole("button", { name: "Save channel" }).click();
  await expect(flood.getByText("must be at least 1")).toBeVisible();
  const unsaved = await page.request.get(`/api/v1/orgs/${org}/channels/${channelId}`, { headers: { authorization: `Bearer ${token}` } });
  expect((await unsaved.json()).channel.flood).toBeNull();

  await flood.getByLabel("More than (notifications)").fill("2");
  await dialog.getByRole("button", { name: "Save channel" }).click();
  await expect(dialog).toBeHidden();
  const saved = await page.request.get(`/api/v1/orgs/${org}/channels/${channelId}`, { headers: { authorization: `Bearer ${token}` } });
  expect((await saved.json()).channel.flood).toEqual({ limit: 2, minutes: 60 });

  const posted = await page.request.post("/api/v1/events", {
    headers: { authorization: `Bearer ${token}` },
    data: [1, 2, 3, 4].map((n) => ({ type: "deployment.failed", product: PRODUCT.slug, severity: "error", title: `Flood deploy ${n} failed` })),
  });
  expect(posted.status()).toBe(202);
  const ids = ((await posted.json()).events as { id: string }[]).map((e) => e.id);

  // The 3rd went into the window's summary, not out on its own.
  await page.goto(`/o/${org}/events/${ids[2]}`);
  await expect(page.locator('li[data-trace-rule="Flood e2e"]').locator(`li[data-channel="${CHANNEL}"]`)).toContainText(
    "Flood control: the channel got more than its limit from this source",
  );
  await page.goto(`/o/${org}/events/${ids[0]}`);
  await expect(page.locator('li[data-trace-rule="Flood e2e"]').locator(`li[data-channel="${CHANNEL}"]`)).not.toContainText("Flood control");

  await page.goto(`/o/${org}/events?type=channel.flooded`);
  const notices = page.locator("tr[data-event]");
  await expect(notices.filter({ hasText: CHANNEL })).toHaveCount(1);
});
