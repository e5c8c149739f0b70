import { expect, test } from "@playwright/test";
import { E2E, herald, receiver, signInAsOwner } from "./fixtures";

// The product page's channel picker is a real listbox (issue #20 item 8): arrow keys move, Space
// picks, Escape closes and gives focus back, the button's name says what is picked, and a
// channel that would not deliver now is marked in words. In an org of its own, so its channels
// (one made failing on purpose) are no other spec's business.
test("the product page's channel picker works from the keyboard, names its selection and marks failing and disabled channels", async ({ page, playwright }) => {
  test.setTimeout(120_000);
  await signInAsOwner(page);
  await page.goto("/orgs/new");
  // Named to sort after "Acme Corp": an owner lands on their first org by name, and other specs expect theirs.
  await page.getByLabel("Organization name").fill(`Web Picker ${Date.now()}`);
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(/\/o\/[^/]+/);
  const org = new URL(page.url()).pathname.split("/")[2]!;

  const token = herald("token", "create", "--org", org, "--name", "picker-e2e", "--role", "admin").trim().split("\n").pop()!;
  const api = await playwright.request.newContext({ baseURL: E2E.baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
  const call = async (method: "post" | "patch" | "get", path: string, data?: object) => {
    const res = await api[method](path, { data });
    expect(res.status(), `${method} ${path}: ${await res.text()}`).toBeLessThan(300);
    return res.json();
  };
  const peers = await receiver(api);
  try {
    await call("post", `/api/v1/orgs/${org}/products`, { name: "Picker App", slug: "picker-app" });
    const alpha = (await call("post", `/api/v1/orgs/${org}/channels`, { type: "inbox", name: "Alpha inbox" })).channel.id;
    const bravo = (await call("post", `/api/v1/orgs/${org}/channels`, { type: "webhook", name: "Bravo hook", url: peers.url("/picker"), skipTest: true }))
      .channel.id;
    const charlie = (await call("post", `/api/v1/orgs/${org}/channels`, { type: "inbox", name: "Charlie inbox" })).channel.id;
    await call("patch", `/api/v1/orgs/${org}/channels/${charlie}`, { enabled: false });
    // Five refused deliveries (400: not retried) make Bravo failing.
    await peers.answer(400);
    await call("post", `/api/v1/orgs/${org}/rules`, { name: "Picker probe", eventTypes: ["billing.credits_low"], severities: ["warning"], channels: [bravo] });
    for (let i = 0; i < 5; i++) await call("post", "/api/v1/events", { type: "billing.credits_low", title: `Picker probe ${i}`, severity: "warning" });
    await expect.poll(async () => (await call("get", `/api/v1/orgs/${org}/channels/${bravo}`)).channel.health, { timeout: 30_000 }).toBe("failing");

    await page.goto(`/o/${org}/products/picker-app`);
    const row = page.locator('tr[data-event-type="deployment.failed"]');
    const picker = row.getByRole("button", { name: "Channels for deployment.failed: none" });
    await expect(picker).toHaveText("none");
    await expect(picker).toHaveAttribute("aria-haspopup", "listbox");

    // From the keyboard: ArrowDown (or Space) opens, arrows move, Space and Enter pick, Escape closes.
    // (Retried: a key pressed before React has hydrated the page does nothing.)
    await expect(async () => {
      await picker.focus();
      await page.keyboard.press("ArrowDown");
      await expect(page.getByRole("listbox")).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    const list = page.getByRole("listbox", { name: "Channels for deployment.failed" });
    await expect(list).toBeVisible();
    const options = list.getByRole("option");
    // A new org's own two channels come after this spec's three, by name.
    await expect(options).toHaveText([
      "Alpha inbox (inbox)",
      "Bravo hook (webhook)failing",
      "Charlie inbox (inbox)disabled",
      "Console inbox (inbox)",
      "Default deployment result e-mails (email)",
    ]);
    const active = list.locator("[role=option][data-focus]");
    await page.keyboard.press("ArrowDown");
    await expect(active).toHaveText(/^Alpha inbox/);
    await page.keyboard.press("ArrowDown");
    await expect(active).toHaveText(/^Bravo hook/);
    await page.keyboard.press(" ");
    await expect(options.nth(1)).toHaveAttribute("aria-selected", "true");
    await expect(options.nth(0)).toHaveAttribute("aria-selected", "false");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Enter");
    await expect(options.nth(0)).toHaveAttribute("aria-selected", "true");
    await page.keyboard.press("Escape");
    await expect(list).toBeHidden();
    // Focus is back on the button, whose name now says what is picked, in the list's order.
    const named = row.getByRole("button", { name: "Channels for deployment.failed: Alpha inbox, Bravo hook" });
    await expect(named).toBeFocused();
    await expect(named).toHaveText("Alpha inbox, Bravo hook");

    // With the mouse: a second click on a picked option takes it out.
    await named.click();
    await expect(list).toBeVisible();
    await list.getByRole("option", { name: /^Bravo hook/ }).click();
    await page.keyboard.press("Escape");
    await expect(row.getByRole("button", { name: "Channels for deployment.failed: Alpha inbox" })).toHaveText("Alpha inbox");

    await page.getByRole("button", { name: "Save notification settings" }).click();
    await expect(page.getByText("Notification settings saved.")).toBeVisible();
    await page.reload();
    await expect(
      page.locator('tr[data-event-type="deployment.failed"]').getByRole("button", { name: "Channels for deployment.failed: Alpha inbox" }),
    ).toBeVisible();
    const saved = await call("get", `/api/v1/orgs/${org}/rules`);
    expect(JSON.stringify(saved)).toContain(alpha);
  } finally {
    await peers.answer(200);
    await api.dispose();
  }
});
