import { expect, test } from "@playwright/test";
import { E2E, receiver, signInAsOwner } from "./fixtures";

// Message templates (issue #24 item 1) end to end: an owner adds a webhook whose body is
// their own JSON; a template mistake is refused next to the field with its line and nothing
// is saved; the fixed one is what the receiver gets from the channel's Send test.

const org = E2E.owner.slug;
const NAME = `templated-hook-${Date.now()}`;

test("an owner writes a webhook's JSON body in Liquid; a mistake is named by its line; the receiver gets the template's JSON", async ({ page }) => {
  const peers = await receiver(page.request);
  await signInAsOwner(page);
  await page.goto(`/o/${org}/notifications`);
  await page.getByRole("button", { name: "Add channel" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Type").selectOption("webhook");
  await dialog.getByLabel("Name").fill(NAME);
  await dialog.getByLabel("URL", { exact: true }).fill(peers.url("/templated"));
  await dialog.getByLabel("Format").selectOption("template");
  const body = dialog.getByRole("group", { name: "Message template" }).getByLabel("JSON body");
  await body.fill('{"text": {{ event.title | json }},\n "count": {% if count %}{{ count }}');
  await dialog.getByRole("button", { name: "Add channel" }).click();
  await expect(dialog.getByText(/^line 2: tag \{% if count %\} not closed/)).toBeVisible();
  await expect(page.locator(`tr[data-channel="${NAME}"]`)).toHaveCount(0);

  await body.fill('{"text": {{ event.title | json }},\n "count": {{ count }}, "severity": "{{ severity }}"}');
  // The live preview: a digest of two sample events, as the webhook would post it.
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.getByTestId("template-preview")).toContainText('"count": 2');
  await dialog.getByRole("button", { name: "Add channel" }).click();
  await expect(dialog).toBeHidden();
  const row = page.locator(`tr[data-channel="${NAME}"]`);
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: "Send test" }).click();
  const templated = async () => ((await peers.requests()) as { path: string; body: string }[]).filter((r) => r.path === "/templated");
  await expect.poll(async () => (await templated()).length, { timeout: 20_000 }).toBe(1);
  expect(JSON.parse((await templated())[0].body)).toEqual({ text: "Test notification from Herald", count: 1, severity: "info" });
});
