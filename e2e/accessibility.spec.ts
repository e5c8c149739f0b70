import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { consolePages, consoleUrl, createCatcher } from "./console-pages";
import { E2E, createToken, signIn, signInAsOwner } from "./fixtures";

/**
 * Issue #20 item 9: accessibility as a gate. axe-core (WCAG 2.1 A and AA) on every
 * console page — found in the file tree, so a new page is checked too — as the owner
 * and as a member, and on the console's dialogs; any violation fails, printed with its
 * rule, impact and the elements, so it can be fixed from the test's output.
 */
const org = E2E.owner.slug;
const fill: Record<string, string> = { "[product]": "web-shop" };
let owner: Page;
let member: Page;

test.beforeAll(async ({ browser, playwright }) => {
  test.setTimeout(120_000);
  owner = await (await browser.newContext()).newPage();
  owner.on("dialog", (question) => void question.accept());
  await signInAsOwner(owner);
  member = await (await browser.newContext()).newPage();
  await signIn(member, E2E.member.email, E2E.member.password);
  fill["catchers/[id]"] = await createCatcher(owner, "Accessibility probe");
  const request = await playwright.request.newContext({ baseURL: E2E.baseURL });
  const auth = { authorization: `Bearer ${createToken("admin", `a11y-${Date.now()}`)}` };
  const ingested = await request.post("/api/v1/events", { data: { type: "deployment.failed", product: "web-shop", title: "Accessibility probe", severity: "error" }, headers: auth });
  fill["events/[id]"] = (await ingested.json()).events[0].id;
  await expect
    .poll(async () => ((await (await request.get(`/api/v1/orgs/${org}/deliveries?event=${fill["events/[id]"]}`, { headers: auth })).json()).deliveries[0]?.id as string | undefined) ?? "", { timeout: 20_000 })
    .not.toBe("");
  fill["deliveries/[id]"] = (await (await request.get(`/api/v1/orgs/${org}/deliveries?event=${fill["events/[id]"]}`, { headers: auth })).json()).deliveries[0].id;
  await request.dispose();
});

async function violations(page: Page, include?: string) {
  const builder = new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]);
  const { violations } = await (include ? builder.include(include) : builder).analyze();
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | ")}${v.nodes.length > 4 ? ` (+${v.nodes.length - 4})` : ""}`);
}

for (const path of consolePages()) {
  test(`/o/{org}/${path}: no accessibility violation, as owner and as member`, async () => {
    for (const [who, page] of [["owner", owner], ["member", member]] as const) {
      const res = await page.goto(consoleUrl(org, path, fill, "accessibility"));
      if (res?.status() !== 200) continue; // a page the member may not open is role-access's business
      await page.waitForLoadState("networkidle");
      expect(await violations(page), `${who} on /o/{org}/${path}`).toEqual([]);
    }
  });
}

test("the sign-in page has no accessibility violation", async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/login");
  expect(await violations(page)).toEqual([]);
});

test("the console's dialogs have no accessibility violation", async () => {
  const open = async (button: string, what: string) => {
    await owner.getByRole("button", { name: button, exact: true }).first().click();
    const dialog = owner.getByRole("dialog");
    await expect(dialog).toBeVisible();
    expect(await violations(owner, "dialog[open]"), what).toEqual([]);
    await owner.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
  };
  await owner.goto(`/o/${org}/notifications`);
  await open("Add channel", "Add channel");
  await open("Add rule", "Add rule");
  await open("Send test alert", "Send test alert");
  await owner.goto(`/o/${org}/silences`);
  await open("New silence", "New silence");
});
