import path from "node:path";
import { MockAgent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { closeMailTransport } from "@/lib/channels/email/module";
import { startReceiver, startSmtpServer, useTestEnvironment } from "@/lib/channels/testing/receivers";
import { storedBytes } from "@/lib/channels/testing/stored";
import { dispatchOnce } from "@/lib/dispatch/run";
import { setOutboundAgent } from "@/lib/net/outbound";
import { createRule } from "@/lib/rules/queries";
import { ruleSchema } from "@/lib/validation/rules";
import { APP, callRoute, discoverRoutes, type RouteOperation } from "./routes";
import { paramsOf, seededTemplate, validBodyOf } from "./two-orgs";

/**
 * The secret scan: channels of every type are created with known secret
 * values, receivers that echo back everything they were sent (URL, headers,
 * body) make every delivery fail and be retried, and then every GET route is
 * read as admin and read token, every route is called with valid bodies and
 * with wrong ids and bodies (error paths), and /api/metrics is scraped. No
 * response, log line (captured at debug level), metrics text or database byte
 * may contain any of the secrets. The audited signing-secret reveal is the one
 * response allowed to carry one. (The console pages are crawled for the same
 * values by e2e/secret-scan.spec.ts.)
 */

const smtp = await startSmtpServer();
const SMTP_PASSWORD = "smtpPASSWORDsecret0009";
useTestEnvironment({
  HERALD_ALLOW_PRIVATE_TARGETS: "1",
  HERALD_LOG_LEVEL: "debug",
  HERALD_RETRY_SCHEDULE: "1",
  SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
});

const SECRETS = {
  slack: "slackPATHsecret0001",
  discord: "discordTOKENsecret0002",
  teams: "teamsSIGsecret0003",
  bearer: "bearerTOKENsecret0004",
  password: "basicPASSWORDsecret0005",
  basicHeader: Buffer.from(`ops:basicPASSWORDsecret0005`).toString("base64"),
  apikey: "apikeyVALUEsecret0006",
  header: "customHEADERsecret0007",
  signing: Buffer.from("signingSECRETbytes0008-padding!!").toString("base64"),
  productSlack: "productSLACKsecret0010",
  smtp: SMTP_PASSWORD,
};

/** Routes whose answer is the secret, by design and audited. */
const REVEALS = new Set(["GET /api/v1/orgs/{org}/channels/{id}/signing-secret", "POST /api/v1/orgs/{org}/channels/{id}/signing-secret/rotate"]);

const receiver = await startReceiver();
const seeded = await seededTemplate(receiver.url());
const { a } = seeded.seed;
let db: Db;
const texts: { where: string; text: string }[] = [];
const logged: string[] = [];
const restore: (() => void)[] = [];
const routes = await discoverRoutes(path.join(APP, "api"));
const byOp = (op: string) => routes.find((r) => r.op === op);

async function call(op: RouteOperation, opts: Parameters<typeof callRoute>[1]) {
  const res = await callRoute(op, opts);
  if (!REVEALS.has(op.op)) texts.push({ where: `${op.op} → ${res.status}`, text: res.text });
  return res;
}

beforeAll(async () => {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      logged.push(String(chunk));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = original));
  }
  // Every receiver answers 500 with an echo of what it got: the URL (Slack/Discord/Teams keep their credential there) and the headers,
  // in the body and in an answer header (the delivery log keeps those: issue #20).
  receiver.answer((req) => ({
    status: 500,
    headers: { "x-echo": `${req.path} ${JSON.stringify(req.headers)}` },
    body: `${req.path} ${JSON.stringify(req.headers)} ${req.body}`,
  }));
  const mock = new MockAgent();
  mock.disableNetConnect();
  mock.enableNetConnect(/^127\.0\.0\.1:/);
  for (const origin of ["https://hooks.slack.com", "https://discord.com", "https://prod-01.westeurope.logic.azure.com"]) {
    mock
      .get(origin)
      .intercept({ path: () => true, method: "POST" })
      .reply((opts) => ({
        statusCode: 500,
        data: `${origin}${opts.path} ${JSON.stringify(opts.headers)}`,
        responseOptions: { headers: { "x-echo": `${origin}${opts.path} ${JSON.stringify(opts.headers)}` } },
      }))
      .persist();
  }
  setOutboundAgent(mock);
  db = await seeded.fresh();
});

afterAll(async () => {
  restore.forEach((r) => r());
  setOutboundAgent(undefined);
  closeMailTransport();
  await seeded.close();
  await receiver.close();
  await smtp.close();
});

describe("no secret leaves the server", () => {
  const channelIds: string[] = [];

  it("creates channels of every type with known secrets (and a product's Slack notification)", async () => {
    const create = byOp("POST /api/v1/orgs/{org}/channels")!;
    const bodies = [
      { type: "slack", name: "Slack", url: `https://hooks.slack.com/services/T000/B000/${SECRETS.slack}` },
      { type: "discord", name: "Discord", url: `https://discord.com/api/webhooks/123/${SECRETS.discord}` },
      { type: "teams", name: "Teams", url: `https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=${SECRETS.teams}` },
      { type: "webhook", name: "Bearer", url: receiver.url(), auth: { method: "bearer", token: SECRETS.bearer }, signingSecret: `whsec_${SECRETS.signing}` },
      { type: "webhook", name: "Basic", url: receiver.url(), auth: { method: "basic", username: "ops", password: SECRETS.password } },
      { type: "webhook", name: "Key", url: receiver.url(), auth: { method: "apikey", headerName: "X-Api-Key", headerValue: SECRETS.apikey } },
      { type: "webhook", name: "Headers", url: receiver.url(), auth: { method: "headers", headers: { "X-Secret": SECRETS.header } } },
      { type: "email", name: "Mail", recipients: "ops@example.test" },
    ];
    // The receiver answers 500 (echoing what it got): a new channel's test would refuse it. Tried once, then created untested.
    const refused = await call(create, { params: { org: a.slug }, token: a.tokens.admin, body: bodies[3] });
    expect(refused.status, refused.text).toBe(422);
    for (const body of bodies) {
      const res = await call(create, { params: { org: a.slug }, token: a.tokens.admin, body: { ...body, skipTest: true } });
      expect(res.status, res.text).toBe(201);
      channelIds.push((res.json as { channel: { id: string } }).channel.id);
    }
    const notify = byOp("POST /api/v1/apps/{app}/notifications");
    if (notify) {
      const res = await call(notify, {
        params: { app: a.product.slug },
        token: a.tokens.admin,
        body: { notification: { type: "slack", webhook_url: `https://hooks.slack.com/services/T001/B001/${SECRETS.productSlack}` } },
      });
      expect(res.status, res.text).toBe(201);
    }
    await createRule(
      db,
      a.id,
      { type: "system", label: "scan" },
      ruleSchema.parse({ name: "All to all", eventTypes: "all", severities: ["debug", "info", "warning", "error", "critical", "alert"], channels: channelIds }),
    );
  });

  it("sends through every channel and records failures echoing what was sent", async () => {
    const ingest = byOp("POST /api/v1/events")!;
    const res = await call(ingest, {
      params: {},
      token: a.tokens.admin,
      body: [{ type: "deployment.failed", product: a.product.slug, title: "Deploy failed", severity: "error" }],
    });
    expect(res.status, res.text).toBe(202);
    // With a 1 s retry schedule, the dispatcher keeps retrying the failing deliveries until the deadline.
    await dispatchOnce(db, { deadlineMs: 4_000 });
    const test = byOp("POST /api/v1/orgs/{org}/channels/{id}/test")!;
    for (const id of channelIds) await call(test, { params: { org: a.slug, id }, token: a.tokens.admin });
    expect(receiver.requests.length).toBeGreaterThan(4);
    // The echo worked: what came back to Herald did contain the secrets.
    expect(receiver.requests.some((r) => JSON.stringify(r.headers).includes(SECRETS.bearer))).toBe(true);
  });

  it("reads every GET route as admin and as read token", async () => {
    const gets = routes.filter((r) => r.method === "GET" && r.endpoint?.permission);
    expect(gets.length).toBeGreaterThan(8);
    for (const op of gets) {
      for (const token of [a.tokens.admin, a.tokens.read]) {
        const ids = op.path.includes("/channels/{id}") ? channelIds : [undefined];
        for (const id of ids) {
          const params = { ...paramsOf(op.path, a), ...(id ? { id } : {}) };
          const res = await call(op, { params, token });
          expect(res.status, `${op.op}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
        }
      }
    }
  });

  it("calls every other route with a valid body, then with wrong ids and wrong bodies (error paths)", async () => {
    const writes = routes.filter((r) => r.method !== "GET" && r.method !== "DELETE" && r.endpoint?.permission);
    for (const op of writes) {
      await call(op, { params: paramsOf(op.path, a), token: a.tokens.admin, body: validBodyOf(op, a) });
    }
    for (const op of routes.filter((r) => r.endpoint?.permission)) {
      const wrongIds = Object.fromEntries(Object.entries(paramsOf(op.path, a)).map(([k, v]) => [k, k === "org" ? v : `${v}-missing`]));
      await call(op, { params: wrongIds, token: a.tokens.admin, body: validBodyOf(op, a) });
      if (op.method !== "GET") {
        await call(op, { params: paramsOf(op.path, a), token: a.tokens.admin, rawBody: JSON.stringify({ type: 1, url: 2, auth: "x", notification: [] }) });
        await call(op, { params: paramsOf(op.path, a), token: a.tokens.read, body: validBodyOf(op, a) });
      }
    }
  });

  it("scrapes /api/metrics", async () => {
    const metrics = byOp("GET /api/metrics")!;
    const res = await call(metrics, { params: {} });
    expect(res.status).toBe(200);
    expect(res.text).toContain("herald_attempts_total");
  });

  it("finds none of the secrets in any response, log line, metrics text or database byte", async () => {
    const stored = await storedBytes(db);
    expect(texts.length).toBeGreaterThan(60);
    expect(logged.length).toBeGreaterThan(0);
    // The scan reads real content: plain settings are there.
    expect(stored).toContain(receiver.url());
    expect(texts.map((t) => t.text).join("\n")).toContain("X-Api-Key");
    // The delivery log showed the echoing answers' headers, and a delivery's request (issue #20).
    expect(texts.map((t) => t.text).join("\n")).toContain('"x-echo":');
    expect(texts.map((t) => t.text).join("\n")).toContain('"webhook-signature"');
    const found: string[] = [];
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const { where, text } of texts)
        if (text.includes(secret))
          found.push(`${name} in the answer of ${where}: …${text.slice(Math.max(0, text.indexOf(secret) - 80), text.indexOf(secret) + 40)}…`);
      for (const line of logged) if (line.includes(secret)) found.push(`${name} in a log line: ${line.slice(0, 300)}`);
      if (stored.includes(secret)) found.push(`${name} in the database file`);
    }
    expect(found).toEqual([]);
  });
});
