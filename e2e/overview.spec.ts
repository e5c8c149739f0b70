import { expect, test, type Page } from "@playwright/test";
import { herald, receiver, signInAsOwner } from "./fixtures";

// The org overview, the console's landing page (issue #20 item 7). It runs in an org of its own,
// created here, so its figures are this spec's alone whatever other specs did to the main org.

/** The big number of one of the figures at the top (its label and detail aside). */
const figure = (page: Page, name: string) => page.getByTestId(`figure-${name}`).locator("dd").first();

/** The page shows what the server had when it rendered it: reload until it shows what the dispatcher did since. */
async function reloadUntil(page: Page, check: () => Promise<void>) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: 30_000 });
}

test("a new org's overview says nothing was delivered yet; with traffic it shows the counts, the queue, the failing channel and the latest events", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const peers = await receiver(page.request);
  // The charts run under the page's nonce-based CSP (recharts sets style attributes, which style-src allows).
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    // eval is forbidden on purpose: zod probes `new Function` once, is refused, and validates without it.
    document.addEventListener("securitypolicyviolation", (e) => e.blockedURI !== "eval" && seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const violations = async () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
  await signInAsOwner(page);
  await page.goto("/orgs/new");
  await page.getByLabel("Organization name").fill(`Overview ${Date.now()}`);
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL(/\/o\/overview-[^/]+\/notifications$/);
  const org = new URL(page.url()).pathname.split("/")[2]!;

  // The menu and the logo lead to the overview; a new org gets the getting-started state.
  await page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Overview" }).click();
  await expect(page).toHaveURL(new RegExp(`/o/${org}$`));
  await expect(page.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  const empty = page.getByTestId("overview-empty");
  await expect(empty.getByRole("heading", { name: "No deliveries yet" })).toBeVisible();
  await expect(empty.getByRole("link", { name: "Add a channel" })).toHaveAttribute("href", `/o/${org}/notifications`);
  await expect(empty.getByRole("link", { name: "Send a test alert" })).toBeVisible();
  await expect(figure(page, "delivered")).toHaveText("0");
  await expect(page.getByTestId("deliveries-summary")).toHaveText("No deliveries finished in the last 24 hours.");
  await expect(page.getByText("Every channel is healthy.")).toBeVisible();

  const token = herald("token", "create", "--org", org, "--name", "overview-e2e", "--role", "admin").trim().split("\n").pop()!;
  const headers = { authorization: `Bearer ${token}` };
  const post = async (path: string, data: unknown) => {
    const res = await page.request.post(path, { headers, data });
    expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300);
    return res.json();
  };
  // Two webhooks on the one loopback receiver: info events go to "overview-ok", warnings to "overview-broken".
  const channel = async (name: string) =>
    (await post(`/api/v1/orgs/${org}/channels`, { type: "webhook", name, url: peers.url(`/${name}`), format: "event", skipTest: true })).channel;
  const ok = await channel("overview-ok");
  const broken = await channel("overview-broken");
  await post(`/api/v1/orgs/${org}/rules`, { name: "overview info", eventTypes: ["billing.credits_low"], severities: ["info"], channels: [ok.id] });
  await post(`/api/v1/orgs/${org}/rules`, { name: "overview warnings", eventTypes: ["billing.credits_low"], severities: ["warning"], channels: [broken.id] });
  const titles: string[] = [];
  const event = async (severity: "info" | "warning", n: number) => {
    const title = `Overview ${severity} ${n}`;
    titles.push(title);
    return (await post("/api/v1/events", { type: "billing.credits_low", severity, title, data: { n } })).events[0].id as string;
  };

  try {
    await peers.answer(200);
    const delivered = [await event("info", 1), await event("info", 2), await event("info", 3)];
    await reloadUntil(page, async () => {
      await expect(figure(page, "delivered")).toHaveText("3", { timeout: 1_000 });
    });
    // Refused with 400 (not retried): five failures in a row turn the channel failing.
    await peers.answer(400);
    for (let n = 1; n <= 5; n++) await event("warning", n);
    const unwell = page.locator('[data-unwell-channel="overview-broken"]');
    await reloadUntil(page, async () => {
      await expect(figure(page, "failed")).toHaveText("5", { timeout: 1_000 });
      await expect(unwell.getByText("failing", { exact: true })).toBeVisible({ timeout: 1_000 });
    });
    await peers.answer(200);

    // A channel turning failing raises integration.unhealthy, which the default rule sends to the
    // console inbox: one more delivered. Nothing is left in the queue.
    await reloadUntil(page, async () => {
      await expect(figure(page, "delivered")).toHaveText("4", { timeout: 1_000 });
      await expect(figure(page, "queue")).toHaveText("0", { timeout: 1_000 });
    });
    await expect(page.getByTestId("overview-empty")).toHaveCount(0);
    await expect(page.getByTestId("deliveries-summary")).toContainText("In the last 24 hours: 4 delivered, 5 failed, in 1 hour with deliveries");
    await expect(page.getByTestId("queue")).toContainText("nothing is due");

    // The failing channel, with why, links to its row on the Notifications page; the healthy one is not listed.
    await expect(unwell).toContainText("5 failures in a row");
    await expect(unwell).toContainText("The receiver answered 400 Bad Request.");
    await expect(figure(page, "unwell")).toHaveText("1");
    await expect(page.locator('[data-unwell-channel="overview-ok"]')).toHaveCount(0);
    await unwell.getByRole("link", { name: "overview-broken" }).click();
    await expect(page).toHaveURL(new RegExp(`/o/${org}/notifications#channel-${broken.id}$`));
    await expect(page.locator(`#channel-${broken.id}`)).toBeInViewport();
    await page.goto(`/o/${org}`);

    // The chart: an SVG with bars, named, reachable by keyboard; the same figures as a table.
    const chart = page.getByTestId("deliveries-chart");
    // recharts' accessibility layer: the SVG takes focus (the arrow keys walk the hours), named by its <title>.
    const svg = chart.getByRole("application", { name: "Deliveries per hour, last 24 hours" });
    await expect(svg).toBeVisible();
    await expect(svg).toHaveAttribute("tabindex", "0");
    await expect(chart.locator(".recharts-bar-rectangle path").first()).toBeVisible();
    await svg.focus();
    await page.keyboard.press("ArrowRight");
    await expect(chart.locator(".recharts-tooltip-wrapper")).toContainText(/UTC/);
    expect(await violations()).toEqual([]);
    await page.getByText("Show the figures as a table").click();
    const table = page.getByRole("table", { name: /Deliveries per hour, last 24 hours/ });
    await expect(table.locator("tbody tr")).toHaveCount(1);
    await expect(table.locator("tbody tr td").nth(1)).toHaveText("4");
    await expect(table.locator("tbody tr td").nth(2)).toHaveText("5");
    // 7 days: the same deliveries (they happened within the last hour).
    await page.getByRole("navigation", { name: "Chart range" }).getByRole("link", { name: "7 days" }).click();
    await expect(page).toHaveURL(new RegExp(`/o/${org}\\?range=7d$`));
    await expect(page.getByTestId("deliveries-summary")).toContainText("In the last 7 days: 4 delivered, 5 failed");
    await expect(page.getByRole("navigation", { name: "Chart range" }).getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "page");

    // Latest events: ten, newest first, each linking to its page; every one posted here is among them.
    const latest = page.getByRole("list", { name: "Latest events" });
    await expect(latest.getByRole("listitem")).toHaveCount(10);
    for (const title of titles) await expect(latest.getByRole("link", { name: title, exact: true })).toBeVisible();
    await latest.getByRole("link", { name: "Overview info 1", exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/o/${org}/events/${delivered[0]}$`));

    // A phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`/o/${org}`);
    await expect(svg).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const box = (await svg.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(await violations()).toEqual([]);

    // Pictures for the README and for a person to look at (OVERVIEW_SCREENSHOTS=dir).
    const dir = process.env.OVERVIEW_SCREENSHOTS;
    if (dir) {
      await page.screenshot({ path: `${dir}/overview-390.png`, fullPage: true });
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(`/o/${org}`);
      await expect(svg).toBeVisible();
      await page.screenshot({ path: `${dir}/overview-1440.png`, fullPage: false });
      await page.screenshot({ path: `${dir}/overview-1440-full.png`, fullPage: true });
    }
  } finally {
    await peers.answer(200);
  }
});
