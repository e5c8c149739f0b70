import { expect, test } from "@playwright/test";
import { E2E, createToken, signInAsOwner } from "./fixtures";

// Quiet hours (issue #24 item 3) end to end: an owner gives a channel working hours in its
// dialog (an unknown time zone is refused next to the field, nothing saved); outside them a
// warning waits for the next working window (its event page says until when) while an error
// goes out at once.
test.describe.configure({ mode: "serial" });

const org = E2E.owner.slug;
const PRODUCT = { name: "Quiet App", slug: "quiet-app" };
const CHANNEL = "Quiet e2e inbox";
const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
let token: string;
let channelId: string;

test.beforeAll(async ({ request }) => {
  token = createToken("admin", `quiet-e2e-${Date.now()}`);
  const headers = { authorization: `Bearer ${token}` };
  expect((await request.post(`/api/v1/orgs/${org}/products`, { headers, data: PRODUCT })).status()).toBe(201);
  const channel = await request.post(`/api/v1/orgs/${org}/channels`, { headers, data: { type: "inbox", name: CHANNEL } });
  expect(channel.status()).toBe(201);
  channelId = (await channel.json()).channel.id;
  const rule = await request.post(`/api/v1/orgs/${org}/rules`, {
    headers,
    data: { name: "Quiet e2e", products: [PRODUCT.slug], eventTypes: ["deployment.failed"], severities: ["warning", "error"], channels: [channelId] },
  });
  expect(rule.status()).toBe(201);
});

test("an owner sets a channel's quiet hours; outside them a warning waits, an error goes at once", async ({ page }) => {
  // The only working day is the day after tomorrow (UTC): now is quiet, whatever the time.
  const workingDay = (new Date().getUTCDay() + 2) % 7;
  await signInAsOwner(page);
  await page.goto(`/o/${org}/notifications`);
  await page.locator(`tr[data-channel="${CHANNEL}"]`).getByRole("button", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog");
  const quiet = dialog.getByRole("group", { name: "Quiet hours" });
  await quiet.getByRole("checkbox", { name: /hold less severe notifications/ }).check();
  await quiet.getByLabel("Time zone").fill("Mars/Olympus");
  const days = quiet.getByRole("group", { name: "Working days" });
  for (const name of DAY_NAMES) await days.getByRole("checkbox", { name, exact: true }).setChecked(name === DAY_NAMES[workingDay]);
  await dialog.getByRole("button", { name: "Save channel" }).click();
  await expect(quiet.getByText("must be an IANA time zone, e.g. Europe/Paris or UTC")).toBeVisible();
  const headers = { authorization: `Bearer ${token}` };
  expect((await (await page.request.get(`/api/v1/orgs/${org}/channels/${channelId}`, { headers })).json()).channel.quietHours).toBeNull();

  await quiet.getByLabel("Time zone").fill("UTC");
  await dialog.getByRole("button", { name: "Save channel" }).click();
  await expect(dialog).toBeHidden();
  const saved = (await (await page.request.get(`/api/v1/orgs/${org}/channels/${channelId}`, { headers })).json()).channel.quietHours;
  expect(saved).toEqual({ timezone: "UTC", days: [workingDay], start: "09:00", end: "18:00", minSeverity: "error" });

  const post = async (severity: string, title: string) => {
    const res = await page.request.post("/api/v1/events", { headers, data: { type: "deployment.failed", product: PRODUCT.slug, severity, title } });
    expect(res.status()).toBe(202);
    return (await res.json()).events[0].id as string;
  };
  const warning = await post("warning", "Disk at 85%");
  const error = await post("error", "Site down");

  await page.goto(`/o/${org}/events/${warning}`);
  await expect(page.locator('li[data-trace-rule="Quiet e2e"]').locator(`li[data-channel="${CHANNEL}"]`)).toContainText(
    "Quiet hours: waits for the channel's working hours; it goes out at",
  );
  await page.goto(`/o/${org}/events/${error}`);
  await expect(page.locator('li[data-trace-rule="Quiet e2e"]').locator(`li[data-channel="${CHANNEL}"]`)).not.toContainText("Quiet hours");
});
