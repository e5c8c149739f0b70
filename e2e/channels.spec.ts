import { expect, test, type Page } from "@playwright/test";
import { E2E, createToken, receiver, signIn, signInAsOwner, unreadCount } from "./fixtures";

// Channels through the console: add each type, field errors, secrets (replace/clear), auth switch, send test, delete.
test.describe.configure({ mode: "serial" });

const org = E2E.owner.slug;
const SECRETS = {
  slack: "https://hooks.slack.com/services/T0E2E/B0E2E/e2eSlackSECRETpath",
  bearer: "e2e-bearer-SECRET-0001",
  bearer2: "e2e-bearer-SECRET-0002",
  apikey: "e2e-apikey-SECRET-0003",
};

const dialog = (page: Page) => page.getByRole("dialog");
const row = (page: Page, name: string) => page.locator(`tr[data-channel="${name}"]`);
/** The outcome line shown under a channel's row after "Send test". */
const result = (page: Page, name: string) => page.locator(`tr[data-channel="${name}"] + tr`).getByTestId("test-result");

/** Cancel on an edited form asks before discarding (e2e/unsaved-changes.spec.ts): here the edit is meant to go. */
async function discardEdits(page: Page) {
  page.once("dialog", (question) => question.accept());
  await dialog(page).getByRole("button", { name: "Cancel" }).click();
  await expect(dialog(page)).toHaveCount(0);
}

async function openNotifications(page: Page) {
  await page.goto(`/o/${org}/notifications`);
  await expect(page.getByRole("heading", { name: "Channels" })).toBeVisible();
}

async function addChannel(page: Page, type: string, name: string, fill: (d: ReturnType<typeof dialog>) => Promise<void>) {
  await page.getByRole("button", { name: "Add channel" }).click();
  const d = dialog(page);
  await d.getByLabel("Type").selectOption(type);
  await d.getByLabel("Name").fill(name);
  await fill(d);
  await d.getByRole("button", { name: "Add channel" }).click();
  await expect(d).toBeHidden();
  await expect(row(page, name)).toBeVisible();
}

test("an owner adds a channel of each type; a bad URL gets an error next to its field", async ({ page }) => {
  const peers = await receiver(page.request);
  await signInAsOwner(page);
  await openNotifications(page);

  // Errors land next to the field, and nothing is saved.
  await page.getByRole("button", { name: "Add channel" }).click();
  await dialog(page).getByLabel("Type").selectOption("slack");
  await dialog(page).getByLabel("Name").fill("bad-slack");
  await dialog(page).getByLabel("Webhook URL").fill("https://example.com/services/x");
  await dialog(page).getByRole("button", { name: "Add channel" }).click();
  await expect(dialog(page).getByText("must be a Slack incoming-webhook URL: https://hooks.slack.com/…")).toBeVisible();
  await dialog(page).getByLabel("Type").selectOption("teams");
  await dialog(page).getByLabel("Webhook URL").fill("https://acme.webhook.office.com/webhookb2/x/IncomingWebhook/y/z");
  await dialog(page).getByRole("button", { name: "Add channel" }).click();
  await expect(dialog(page).getByText(/Microsoft retired those connectors/)).toBeVisible();
  await discardEdits(page);

  await addChannel(page, "slack", "ops-slack", (d) => d.getByLabel("Webhook URL").fill(SECRETS.slack));
  await expect(row(page, "ops-slack")).toContainText("https://hooks.slack.com/services/T0…/****");
  await addChannel(page, "teams", "ops-teams", (d) =>
    d.getByLabel("Webhook URL").fill("https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=e2e"),
  );
  await addChannel(page, "discord", "ops-discord", (d) => d.getByLabel("Webhook URL").fill("https://discord.com/api/webhooks/123/e2eDiscordToken"));
  await addChannel(page, "email", "ops-mail", (d) => d.getByLabel("Recipients").fill("ops@acme.test, oncall@acme.test, @owners"));
  await addChannel(page, "inbox", "ops-inbox", async () => {});
  await addChannel(page, "webhook", "ops-hook", async (d) => {
    await d.getByLabel("URL", { exact: true }).fill(peers.url("/e2e-hook"));
    await expect(d.getByText(/http:\/\/ is not encrypted/)).toBeVisible();
    await d.getByLabel("Authentication").selectOption("bearer");
    await d.getByLabel("Bearer token").fill(SECRETS.bearer);
  });

  // No secret reaches the browser.
  const html = await page.content();
  for (const secret of Object.values(SECRETS)) expect(html).not.toContain(secret);
  expect(html).not.toContain("e2eDiscordToken");
});

test("Send test shows the status and time, and the receiver gets the bearer token", async ({ page }) => {
  const peers = await receiver(page.request);
  await peers.reset();
  await signInAsOwner(page);
  await openNotifications(page);
  await row(page, "ops-hook").getByRole("button", { name: "Send test" }).click();
  await expect(result(page, "ops-hook")).toContainText(/Test delivered — status 200, \d+ ms/);
  const requests = await peers.requests();
  const hook = requests.find((r: { path: string }) => r.path === "/e2e-hook");
  expect(hook.headers.authorization).toBe(`Bearer ${SECRETS.bearer}`);
  expect(hook.headers["webhook-signature"]).toMatch(/^v1,/);

  await peers.answer(503);
  await page.reload();
  await row(page, "ops-hook").getByRole("button", { name: "Send test" }).click();
  await expect(result(page, "ops-hook")).toContainText("Test failed — status 503");
  await expect(result(page, "ops-hook")).toContainText("the receiver answered 503 Service Unavailable");
  await peers.reset();
  // A test never changes the channel's health.
  await expect(row(page, "ops-hook").getByText("healthy")).toBeVisible();

  await row(page, "ops-mail").getByRole("button", { name: "Send test" }).click();
  await expect(result(page, "ops-mail")).toContainText("Test delivered — status 250");
  const mail = await peers.mail();
  expect(mail.at(-1).to).toContain("ops@acme.test");
  expect(mail.at(-1).to).toContain(E2E.owner.email);
});

test("replace and clear a secret; switching the auth method drops the old credentials", async ({ page }) => {
  const peers = await receiver(page.request);
  await signInAsOwner(page);
  await openNotifications(page);

  // Replace the bearer token.
  await row(page, "ops-hook").getByRole("button", { name: "Edit" }).click();
  await expect(dialog(page).getByText("Configured")).toBeVisible();
  await dialog(page).getByRole("button", { name: "Replace Bearer token" }).click();
  await dialog(page).getByLabel("Bearer token").fill(SECRETS.bearer2);
  await dialog(page).getByRole("button", { name: "Save channel" }).click();
  await expect(dialog(page)).toBeHidden();
  await peers.reset();
  await row(page, "ops-hook").getByRole("button", { name: "Send test" }).click();
  await expect(result(page, "ops-hook")).toContainText("Test delivered");
  expect((await peers.requests()).at(-1).headers.authorization).toBe(`Bearer ${SECRETS.bearer2}`);

  // Clearing a required secret is refused next to the field; nothing changes.
  await row(page, "ops-hook").getByRole("button", { name: "Edit" }).click();
  await dialog(page).getByRole("button", { name: "Clear Bearer token" }).click();
  await expect(dialog(page).getByText("Will be cleared when you save")).toBeVisible();
  await dialog(page).getByRole("button", { name: "Save channel" }).click();
  await expect(dialog(page).getByText("is required")).toBeVisible();
  await discardEdits(page);

  // Switch bearer → API key.
  await row(page, "ops-hook").getByRole("button", { name: "Edit" }).click();
  await dialog(page).getByLabel("Authentication").selectOption("apikey");
  await expect(dialog(page).getByText("Saving drops the bearer token credentials.")).toBeVisible();
  await dialog(page).getByLabel("Header name").fill("X-Api-Key");
  await dialog(page).getByLabel("Header value").fill(SECRETS.apikey);
  await dialog(page).getByRole("button", { name: "Save channel" }).click();
  await expect(dialog(page)).toBeHidden();

  // Back in the form, bearer has no stored token any more.
  await row(page, "ops-hook").getByRole("button", { name: "Edit" }).click();
  await dialog(page).getByLabel("Authentication").selectOption("bearer");
  await expect(dialog(page).getByLabel("Bearer token")).toHaveValue("");
  await expect(dialog(page).getByText("Configured")).toHaveCount(0);
  await discardEdits(page);

  const token = createToken("read", "channels-read");
  const res = await page.request.get(`/api/v1/orgs/${org}/channels`, { headers: { authorization: `Bearer ${token}` } });
  const hook = (await res.json()).channels.find((c: { name: string }) => c.name === "ops-hook");
  expect(hook.auth).toEqual({ method: "apikey", headerName: "X-Api-Key", headerValue: { configured: true, hint: expect.any(String) } });
  const body = JSON.stringify(await res.json());
  for (const secret of Object.values(SECRETS)) expect(body).not.toContain(secret);
});

test("an admin reveals (audited) and rotates a webhook's signing secret", async ({ page }) => {
  await signInAsOwner(page);
  await openNotifications(page);
  await row(page, "ops-hook").getByRole("button", { name: "Edit" }).click();
  await dialog(page).getByRole("button", { name: "Reveal" }).click();
  const shown = dialog(page).getByTestId("signing-secret");
  await expect(shown).toHaveText(/^whsec_/);
  const first = (await shown.textContent())!;
  await expect(dialog(page).getByRole("button", { name: "Rotate" })).toBeEnabled();
  // The console's own confirmation (a second dialog over the channel's), not the browser's.
  await dialog(page).getByRole("button", { name: "Rotate" }).click();
  const confirm = page.getByRole("dialog", { name: "Rotate the signing secret?" });
  await expect(confirm).toContainText("must be given the new one");
  await confirm.getByRole("button", { name: "Rotate" }).click();
  await expect(confirm).toBeHidden();
  await expect(shown).not.toHaveText(first);
  await expect(shown).toHaveText(/^whsec_/);
  await page.goto(`/o/${org}/audit?action=channel.secret`);
  await expect(page.getByRole("cell", { name: "channel.secret_revealed" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "channel.secret_rotated" })).toBeVisible();
});

test("a member sees the channels read-only", async ({ page }) => {
  await signIn(page, E2E.member.email, E2E.member.password);
  await openNotifications(page);
  await expect(row(page, "ops-slack")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add channel" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Send test" })).toHaveCount(0);
  expect(await page.content()).not.toContain(SECRETS.slack);
});

test("an inbox limited to named members reaches only them", async ({ page, browser }) => {
  await signInAsOwner(page);
  await openNotifications(page);
  await row(page, "ops-inbox").getByRole("button", { name: "Edit" }).click();
  const who = dialog(page).getByRole("group", { name: "Who sees these notifications" });
  await expect(who).toContainText("Nothing checked: every member of the organization sees them.");
  await expect(who.getByRole("checkbox", { name: new RegExp(E2E.member.email) })).toBeVisible();
  await who.getByRole("checkbox", { name: new RegExp(E2E.owner.email) }).check();
  await expect(who).toContainText("Only the checked member sees them.");
  await dialog(page).getByRole("button", { name: "Save channel" }).click();
  await expect(dialog(page)).toBeHidden();
  await expect(row(page, "ops-inbox")).toContainText(`Console inbox of ${E2E.owner.email}`);

  const memberPage = await (await browser.newContext()).newPage();
  await signIn(memberPage, E2E.member.email, E2E.member.password);
  const before = { owner: await unreadCount(page), member: await unreadCount(memberPage) };
  const token = createToken("admin", "e2e-inbox-members");
  const channels = (await (await page.request.get(`/api/v1/orgs/${org}/channels`, { headers: { authorization: `Bearer ${token}` } })).json()).channels;
  const inbox = channels.find((c: { name: string }) => c.name === "ops-inbox");
  expect(inbox.members).toEqual([E2E.owner.email]);
  const sent = await page.request.post(`/api/v1/orgs/${org}/test-alert`, { headers: { authorization: `Bearer ${token}` }, data: { channels: [inbox.id] } });
  expect((await sent.json()).results).toMatchObject([{ channelId: inbox.id, ok: true }]);

  await expect.poll(async () => (await page.reload(), unreadCount(page))).toBeGreaterThan(before.owner);
  await memberPage.reload();
  expect(await unreadCount(memberPage)).toBe(before.member);
  await memberPage.context().close();
});

test("delete asks for confirmation, naming the rules that use the channel, and removes it", async ({ page }) => {
  await signInAsOwner(page);
  await openNotifications(page);
  // The org's default inbox channel is used by its default rules.
  await row(page, "Console inbox").getByRole("button", { name: "Delete" }).click();
  await expect(dialog(page).getByText("Rules that send to it:")).toBeVisible();
  await expect(dialog(page).getByText("Herald health", { exact: false })).toBeVisible();
  // Those rules send only there: deleting it would leave them sending nowhere, so it is refused, naming them.
  await dialog(page).getByRole("button", { name: "Delete" }).click();
  await expect(dialog(page).getByText(/"Console inbox" is the only channel of rules? "/)).toBeVisible();
  await dialog(page).getByRole("button", { name: "Cancel" }).click();
  await expect(row(page, "Console inbox")).toHaveCount(1);

  await row(page, "ops-discord").getByRole("button", { name: "Delete" }).click();
  await expect(dialog(page).getByText("No rule sends to this channel.")).toBeVisible();
  await dialog(page).getByRole("button", { name: "Delete" }).click();
  await expect(row(page, "ops-discord")).toHaveCount(0);
});
