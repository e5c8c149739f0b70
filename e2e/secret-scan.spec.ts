import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { consolePages, consoleUrl, createCatcher } from "./console-pages";
import { E2E, createToken, signIn, signInAsOwner } from "./fixtures";

/**
 * The console half of the secret scan (test/secret-scan.test.ts does the API,
 * logs and metrics): channels of every type are created with known secret
 * values, a receiver that echoes back what it was sent makes their
 * deliveries fail, and then every console page — found in the file tree — is
 * opened as the owner and as a member. The HTML (with the serialized props of
 * its client components) must not contain any of the secrets.
 */
test.describe.configure({ mode: "serial" });

const org = E2E.owner.slug;
const SECRETS = {
  slack: "e2eSlackPATHsecret01",
  discord: "e2eDiscordTOKENsecret02",
  teams: "e2eTeamsSIGsecret03",
  bearer: "e2eBearerTOKENsecret04",
  password: "e2eBasicPASSWORDsecret05",
  basicHeader: Buffer.from("ops:e2eBasicPASSWORDsecret05").toString("base64"),
  apikey: "e2eApikeyVALUEsecret06",
  header: "e2eCustomHEADERsecret07",
  signing: Buffer.from("e2eSigningSECRETbytes08-padding!").toString("base64"),
  productSlack: "e2eProductSLACKsecret09",
};

let echo: http.Server;
let echoUrl = "";
const fill: Record<string, string> = { "[product]": "web-shop" };

test.beforeAll(async ({ playwright, browser }) => {
  test.setTimeout(120_000);
  const owner = await (await browser.newContext()).newPage();
  await signInAsOwner(owner);
  fill["catchers/[id]"] = await createCatcher(owner, "Secret scan probe");
  await owner.context().close();
  echo = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      // The answer's headers echo too: the delivery log keeps them (issue #20).
      res.writeHead(500, { "content-type": "text/plain", "x-echo": `${req.url} ${JSON.stringify(req.headers)}` });
      res.end(`${req.url} ${JSON.stringify(req.headers)} ${Buffer.concat(chunks).toString("utf8")}`);
    });
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/hook`;

  const request = await playwright.request.newContext({ baseURL: E2E.baseURL });
  const headers = { authorization: `Bearer ${createToken("admin", `secret-scan-${Date.now()}`)}` };
  const bodies = [
    { type: "slack", name: "Scan Slack", url: `https://hooks.slack.com/services/T000/B000/${SECRETS.slack}` },
    { type: "discord", name: "Scan Discord", url: `https://discord.com/api/webhooks/123/${SECRETS.discord}` },
    { type: "teams", name: "Scan Teams", url: `https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=${SECRETS.teams}` },
    { type: "webhook", name: "Scan Bearer", url: echoUrl, auth: { method: "bearer", token: SECRETS.bearer }, signingSecret: `whsec_${SECRETS.signing}` },
    { type: "webhook", name: "Scan Basic", url: echoUrl, auth: { method: "basic", username: "ops", password: SECRETS.password } },
    { type: "webhook", name: "Scan Key", url: echoUrl, auth: { method: "apikey", headerName: "X-Api-Key", headerValue: SECRETS.apikey } },
    { type: "webhook", name: "Scan Headers", url: echoUrl, auth: { method: "headers", headers: { "X-Secret": SECRETS.header } } },
  ];
  const channels: string[] = [];
  for (const data of bodies) {
    // Slack, Discord and Teams are outside this machine, the echo answers 500: created untested.
    const res = await request.post(`/api/v1/orgs/${org}/channels`, { data: { ...data, skipTest: true }, headers });
    expect(res.status(), await res.text()).toBe(201);
    channels.push((await res.json()).channel.id);
  }
  const notification = await request.post(`/api/v1/apps/web-shop/notifications`, {
    data: { notification: { type: "slack", webhook_url: `https://hooks.slack.com/services/T001/B001/${SECRETS.productSlack}` } },
    headers,
  });
  expect([201, 422], await notification.text()).toContain(notification.status());
  const rule = await request.post(`/api/v1/orgs/${org}/rules`, {
    data: { name: "Secret scan: all to all", eventTypes: "all", severities: ["debug", "info", "warning", "error", "critical", "alert"], channels },
    headers,
  });
  expect(rule.status(), await rule.text()).toBe(201);
  const ingested = await request.post("/api/v1/events", {
    data: { type: "deployment.failed", product: "web-shop", title: "Secret scan probe", severity: "error" },
    headers,
  });
  expect(ingested.status()).toBe(202);
  fill["events/[id]"] = (await ingested.json()).events[0].id;
  // Wait until the echoing receiver's answers are in the delivery log.
  await expect
    .poll(
      async () => {
        const res = await request.get(`/api/v1/orgs/${org}/deliveries?event=${fill["events/[id]"]}`, { headers });
        const { deliveries } = await res.json();
        // The delivery page crawled is the bearer webhook's (signed): its request and echoing answer headers are on it.
        const bearer = deliveries.find((d: { channel: { name: string }; attempts: unknown[] }) => d.channel.name === "Scan Bearer" && d.attempts.length > 0);
        if (bearer ?? deliveries[0]) fill["deliveries/[id]"] = (bearer ?? deliveries[0]).id;
        return bearer ? deliveries.filter((d: { attempts: unknown[] }) => d.attempts.length > 0).length : 0;
      },
      { timeout: 60_000 },
    )
    .toBeGreaterThanOrEqual(4);
  for (const id of channels) await request.post(`/api/v1/orgs/${org}/channels/${id}/test`, { headers });
  await request.dispose();
});

test.afterAll(async () => {
  await new Promise((resolve) => echo?.close(resolve));
});

function leaksIn(html: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) => html.includes(secret))
    .map(([name, secret]) => `${name}: …${html.slice(Math.max(0, html.indexOf(secret) - 100), html.indexOf(secret) + 40)}…`);
}

async function crawl(page: Page, who: string) {
  const found: string[] = [];
  let scanned = 0;
  for (const path of consolePages()) {
    const url = consoleUrl(org, path, fill, "secret-scan");
    const res = await page.goto(url);
    const html = `${(await res?.text()) ?? ""}\n${await page.content()}`;
    scanned += html.length;
    for (const leak of leaksIn(html)) found.push(`${who} on ${url}: ${leak}`);
  }
  return { found, scanned };
}

test("no console page shows a channel secret to the owner", async ({ page }) => {
  test.setTimeout(180_000);
  await signInAsOwner(page);
  const { found, scanned } = await crawl(page, "owner");
  // The crawl read real pages: the channels it created are named on them.
  await page.goto(`/o/${org}/notifications`);
  await expect(page.getByText("Scan Bearer").first()).toBeVisible();
  expect(scanned).toBeGreaterThan(50_000);
  expect(found).toEqual([]);
});

test("no console page shows a channel secret to a member", async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, E2E.member.email, E2E.member.password);
  const { found } = await crawl(page, "member");
  expect(found).toEqual([]);
});
