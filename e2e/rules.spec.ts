import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E, createToken, signInAsOwner } from "./fixtures";

// Rules end to end: an owner builds an org rule (Alert pre-checked), a product admin routes
// deployment.failed on their product and cannot see another product's settings, and an event
// posted with an API token shows up on the events page with its pending deliveries.
test.describe.configure({ mode: "serial" });

const org = E2E.owner.slug;
const PA = { email: "rules-pa@acme.test", password: "rules product admin pw" };
const SLACK_SECRET = "https://hooks.slack.com/services/T0RULES/B0RULES/rulesSlackSECRET";
const DIGEST_CHANNEL = "Rules digest inbox";
const RULE = "Deploy failures digest";
const TITLE = `Deploy ${Date.now()} failed`;

let adminToken: string;

async function api(page: Page, method: "get" | "post", path: string, data?: unknown) {
  const res = await page.request[method](path, { headers: { authorization: `Bearer ${adminToken}` }, data });
  return { status: res.status(), json: await res.json() };
}

async function invite(owner: Page, browser: Browser, email: string, password: string) {
  await owner.goto(`/o/${org}/members`);
  await owner.getByLabel("E-mail").fill(email);
  await owner.getByLabel("Role", { exact: true }).selectOption("member");
  await owner.getByRole("button", { name: "Add member" }).click();
  const url = (await owner.getByTestId("invite-url").textContent())!.trim();
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${org}/`));
  return page;
}

test.beforeAll(async ({ request }) => {
  adminToken = createToken("admin", `rules-e2e-${Date.now()}`);
  const headers = { authorization: `Bearer ${adminToken}` };
  // A second inbox channel for the digest rule, and a Slack channel whose URL must never reach a product admin.
  expect((await request.post(`/api/v1/orgs/${org}/channels`, { headers, data: { type: "inbox", name: DIGEST_CHANNEL } })).status()).toBe(201);
  expect(
    (await request.post(`/api/v1/orgs/${org}/channels`, { headers, data: { type: "slack", name: "rules-slack", url: SLACK_SECRET, skipTest: true } })).status(),
  ).toBe(201);
});

test("an owner builds an org rule: events, severities with Alert pre-checked, channels, digest", async ({ page }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${org}/notifications`);
  await page.getByRole("button", { name: "Add rule" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText("Choose which events you would like to receive alerts from")).toBeVisible();
  // CIPP: Alert is checked by default, the rest is not.
  await expect(dialog.getByRole("checkbox", { name: "alert", exact: true })).toBeChecked();
  await expect(dialog.getByRole("checkbox", { name: "error", exact: true })).not.toBeChecked();

  // Nothing is saved without a channel; the error stands next to the channels.
  await dialog.getByLabel("Rule name").fill(RULE);
  await dialog.getByRole("checkbox", { name: /^Deployment failed/ }).check();
  await dialog.getByRole("button", { name: "Add rule" }).click();
  await expect(dialog.getByText("pick at least one channel")).toBeVisible();

  await dialog.getByRole("checkbox", { name: "error", exact: true }).check();
  await dialog.getByRole("checkbox", { name: "critical", exact: true }).check();
  await dialog.getByRole("checkbox", { name: `${DIGEST_CHANNEL} (inbox)` }).check();
  await dialog.getByLabel(/^Digest/).check();
  await dialog.getByLabel("Digest window", { exact: true }).selectOption("60");
  await dialog.getByRole("button", { name: "Add rule" }).click();
  await expect(dialog).toBeHidden();

  const rule = page.locator(`li[data-rule="${RULE}"]`);
  await expect(rule).toContainText("Deployment failed");
  await expect(rule).toContainText("digest 60 min");
  await expect(rule).toContainText(DIGEST_CHANNEL);
  for (const severity of ["error", "critical", "alert"]) await expect(rule.getByText(severity, { exact: true })).toBeVisible();
  await expect(rule.getByText("warning", { exact: true })).toHaveCount(0);

  // The API reads the same rule back.
  const { json } = await api(page, "get", `/api/v1/orgs/${org}/rules`);
  expect(json.rules.find((r: { name: string }) => r.name === RULE)).toMatchObject({
    scope: "org",
    eventTypes: ["deployment.failed"],
    severities: ["error", "critical", "alert"],
    mode: "digest",
    digestMinutes: 60,
  });
});

test("a product admin routes deployment.failed on their product, sees no secret, and not another product", async ({ page, browser }) => {
  await signInAsOwner(page);
  await page.goto(`/o/${org}/products`);
  await page.getByLabel("Name").fill("Rules Mobile");
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page).toHaveURL(/\/products\/rules-mobile$/);
  const pa = await invite(page, browser, PA.email, PA.password);
  await page.goto(`/o/${org}/products/web-shop`);
  await page.getByRole("checkbox", { name: PA.email }).check();
  await page.getByRole("button", { name: "Save product admins" }).click();
  await expect(page.getByText("Product admins saved.")).toBeVisible();
  // The Members page says who administers which product.
  await page.goto(`/o/${org}/members`);
  await expect(page.locator("tr", { hasText: PA.email }).getByTestId("administers")).toHaveText("admin of Web Shop");
  // A product admin lands on their product and sees what they administer beside their role.
  await pa.goto("/");
  await expect(pa).toHaveURL(new RegExp(`/o/${org}/products/web-shop$`));
  await expect(pa.getByTestId("current-role")).toHaveText("member · product admin of Web Shop");

  await pa.goto(`/o/${org}/products`);
  await expect(pa.getByRole("link", { name: "Web Shop" })).toBeVisible();
  await expect(pa.getByRole("link", { name: "Rules Mobile" })).toHaveCount(0);

  await pa.goto(`/o/${org}/products/web-shop`);
  const row = pa.locator('tr[data-event-type="deployment.failed"]');
  await expect(row.getByLabel("Channels for deployment.failed")).toHaveText("none");
  // "none" here, yet the owner's org rule sends this product's failed deployments: the row says where, and why (issue #20 item 3).
  const others = row.getByTestId("other-routes");
  await expect(others).toContainText("Sent, by other rules, to:");
  await expect(others.locator(`li[data-channel="${DIGEST_CHANNEL}"][data-rule="${RULE}"]`)).toHaveText(
    `${DIGEST_CHANNEL} (inbox) — org rule “${RULE}”, error and above, in a digest every 60 min`,
  );
  await row.getByLabel("Channels for deployment.failed").click();
  await pa.getByRole("option", { name: "Console inbox (inbox)" }).click();
  await pa.keyboard.press("Escape");
  await row.getByLabel("Lowest severity for deployment.failed").selectOption("error");
  await pa.getByRole("button", { name: "Save notification settings" }).click();
  await expect(pa.getByText("Notification settings saved.")).toBeVisible();
  await pa.reload();
  await expect(pa.locator('tr[data-event-type="deployment.failed"]').getByLabel("Channels for deployment.failed")).toHaveText("Console inbox");
  // Channel names only: no secret reaches a product admin, and no channel can be edited here.
  expect(await pa.content()).not.toContain("rulesSlackSECRET");
  await expect(pa.getByRole("button", { name: "Edit" })).toHaveCount(0);

  // Another product's settings are not shown to this product admin, and its actions refuse them.
  await pa.goto(`/o/${org}/products/rules-mobile`);
  await expect(pa.getByText("managed by its own product admins")).toBeVisible();
  await expect(pa.getByRole("button", { name: "Save notification settings" })).toHaveCount(0);
  await expect(pa.locator("tr[data-event-type]")).toHaveCount(0);
  const other = await pa.request.post(`/api/v1/apps/rules-mobile/notifications?org=${org}`, {
    headers: { origin: E2E.baseURL },
    data: { notification: { type: "slack", webhook_url: SLACK_SECRET } },
  });
  expect(other.status()).toBe(403);

  // The owner sees the product rule through the API.
  const { json } = await api(page, "get", `/api/v1/orgs/${org}/rules?product=web-shop`);
  // Other specs add web-shop rules of their own (the delivery log's): this one is among them.
  expect(json.rules).toEqual(
    expect.arrayContaining([expect.objectContaining({ product: "web-shop", eventTypes: ["deployment.failed"], severities: ["error", "critical", "alert"] })]),
  );
  await pa.context().close();
});

test("an event posted with an API token shows on the events page with its pending deliveries", async ({ page, request }) => {
  const res = await request.post("/api/v1/events", {
    headers: { authorization: `Bearer ${adminToken}` },
    data: { id: `rules-e2e-${TITLE}`, type: "deployment.failed", product: "web-shop", severity: "error", title: TITLE, data: { build: 42, branch: "main" } },
  });
  expect(res.status()).toBe(202);
  const [{ id, deliveries }] = (await res.json()).events;
  expect(deliveries).toBeGreaterThanOrEqual(2);

  await signInAsOwner(page);
  await page.goto(`/o/${org}/events?type=deployment.failed&product=web-shop`);
  const listed = page.locator(`tr[data-event="${id}"]`);
  await expect(listed).toContainText(TITLE);
  await expect(listed).toContainText("queued");
  await listed.getByRole("link", { name: TITLE }).click();

  await expect(page.getByRole("heading", { name: TITLE })).toBeVisible();
  const data = page.getByRole("table", { name: "Event data" });
  await expect(data.getByRole("row", { name: /build/ })).toContainText("42");
  // The digest rule's delivery is pending until its window closes; the inbox one goes out at once.
  const pending = page.getByRole("table", { name: "Deliveries" }).getByRole("row", { name: new RegExp(DIGEST_CHANNEL) });
  await expect(pending).toContainText("queued");
  await expect(pending).toContainText("digest collecting");
  await expect(page.getByRole("table", { name: "Deliveries" }).getByRole("row", { name: /Console inbox/ })).toBeVisible();
  // Why it notified (issue #23 item 1): the digest rule took it, and the trace says what became of its channel.
  const traced = page.locator(`li[data-trace-rule="${RULE}"]`);
  await expect(traced).toHaveAttribute("data-verdict", "took");
  await expect(traced.locator(`li[data-channel="${DIGEST_CHANNEL}"]`)).toContainText("Collecting in a digest");
  await expect(page.locator('li[data-trace-channel="rules-slack"]')).toHaveAttribute("data-received", "false");
  const trace = await api(page, "get", `/api/v1/orgs/${org}/events/${id}/trace`);
  expect(trace.json.rules.find((r: { rule: { name: string } }) => r.rule.name === RULE)).toMatchObject({ verdict: "took" });
  await page.getByRole("link", { name: "Open in the delivery log →" }).click();
  await expect(page).toHaveURL(new RegExp(`/deliveries\\?event=${id}`));

  // The org rule's preview now shows the event.
  await page.goto(`/o/${org}/notifications`);
  const rule = page.locator(`li[data-rule="${RULE}"]`);
  await rule.getByRole("button", { name: "What would match" }).click();
  await expect(rule.getByTestId("rule-matches")).toContainText(TITLE);
  // Each event says every channel it goes to, and by which rule: this one, and the product admin's choice.
  const line = rule.getByTestId("rule-matches").getByRole("listitem").filter({ hasText: TITLE });
  await expect(line.locator(`li[data-channel="${DIGEST_CHANNEL}"]`)).toContainText("this rule");
  await expect(line.locator('li[data-channel="Console inbox"]').filter({ hasText: "product rule" })).toHaveCount(1);

  // A rule left at the form's default (Alert) misses that error event: its preview says why (issue #21 item 3).
  const { json: listed2 } = await api(page, "get", `/api/v1/orgs/${org}/channels`);
  const inbox = listed2.channels.find((c: { name: string }) => c.name === DIGEST_CHANNEL).id as string;
  const created = await api(page, "post", `/api/v1/orgs/${org}/rules`, {
    name: "Alerts only",
    eventTypes: ["deployment.failed"],
    severities: ["alert"],
    channels: [inbox],
  });
  expect(created.status).toBe(201);
  await page.reload();
  const alertsOnly = page.locator(`li[data-rule="Alerts only"]`);
  await alertsOnly.getByRole("button", { name: "What would match" }).click();
  await expect(alertsOnly.getByTestId("rule-near-misses").getByRole("listitem").filter({ hasText: TITLE })).toContainText("severity error is not ticked");
  // Gone again: later specs count their deliveries.
  expect(
    (await page.request.delete(`/api/v1/orgs/${org}/rules/${created.json.rule.id}`, { headers: { authorization: `Bearer ${adminToken}` } })).status(),
  ).toBeLessThan(300);
});
