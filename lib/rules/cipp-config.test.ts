import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { and, eq, like } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels, products, rules } from "@/db/schema";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { closeMailTransport } from "@/lib/channels/email/module";
import { startReceiver, startSmtpServer, useTestEnvironment, type Receiver } from "@/lib/channels/testing/receivers";
import { dispatchOnce } from "@/lib/dispatch/run";
import { ingestEvents } from "@/lib/events/ingest";
import { newId } from "@/lib/ids";
import { call } from "@/test/api";
import { closeTestDb, seedOrg, testDb } from "@/test/db";
import * as list from "@/app/api/ListNotificationConfig/route";
import * as exec from "@/app/api/ExecNotificationConfig/route";

/**
 * CIPP's notification settings (issue #19 item 7), sent as CIPP's own front end
 * sends them ({label, value} selects) and as a script would (strings), through
 * the route handlers; what they set up is checked at a real receiver and SMTP
 * server: one combined message per 15 minutes, one per tenant (product) with
 * onePerTenant, the Standardized Alert Schema with its tenant, the auth asked for.
 */
let db: Db;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let receiver: Receiver;
let orgId: string;
let admin: string;
let read: string;

const save = (body: unknown, token = admin) => call(exec.POST, { method: "POST", url: "http://127.0.0.1/api/ExecNotificationConfig?org=acme", token, body });
const load = (token = admin) => call(list.GET, { method: "GET", url: "http://127.0.0.1/api/ListNotificationConfig?org=acme", token });
const cippChannels = () =>
  db
    .select()
    .from(channels)
    .where(and(eq(channels.orgId, orgId), like(channels.name, "CIPP%")));

beforeAll(async () => {
  smtp = await startSmtpServer();
  receiver = await startReceiver();
  useTestEnvironment({
    HERALD_ALLOW_PRIVATE_TARGETS: "1",
    SMTP_URL: smtp.url,
    SMTP_FROM: "Herald <herald@acme.test>",
    HERALD_PUBLIC_URL: "https://herald.example",
  });
});
afterAll(async () => {
  closeMailTransport();
  await receiver.close();
  await smtp.close();
});
beforeEach(async () => {
  if (db) await closeTestDb(db);
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  await db.insert(products).values([
    { id: newId("prd"), orgId, slug: "contoso", name: "Contoso" },
    { id: newId("prd"), orgId, slug: "fabrikam", name: "Fabrikam" },
  ]);
  admin = (await insertApiToken(db, { orgId, name: "cipp", role: "admin" })).token;
  read = (await insertApiToken(db, { orgId, name: "read", role: "read" })).token;
  receiver.requests.length = 0;
  smtp.mails.length = 0;
});

describe("CIPP's notification settings", () => {
  it("as CIPP's front end sends them: e-mail and a webhook with a bearer token, one combined message per tenant, the standardized schema", async () => {
    const saved = await save({
      email: "psmith@example.com, noc@example.com",
      webhook: receiver.url("/cipp"),
      webhookAuthType: { label: "Bearer Token", value: "Bearer" },
      webhookAuthToken: "cipp-SECRET-token",
      logsToInclude: [{ label: "Deployment failed", value: "deployment.failed" }],
      Severity: [
        { label: "Alert", value: "Alert" },
        { label: "Error", value: "Error" },
      ],
      onePerTenant: true,
      sendtoIntegration: true,
      UseStandardizedSchema: true,
    });
    expect(saved).toMatchObject({ status: 200, json: { Results: "Successfully set the configuration" } });

    const config = await load(read);
    expect(config.status).toBe(200);
    expect(config.json).toEqual({
      email: "psmith@example.com,noc@example.com",
      webhook: expect.any(String),
      webhookAuthType: "Bearer",
      logsToInclude: ["deployment.failed"],
      Severity: "Error,Alert",
      onePerTenant: true,
      sendtoIntegration: true,
      includeTenantId: false,
      UseStandardizedSchema: true,
    });
    expect(JSON.stringify(config.json)).not.toContain("cipp-SECRET-token");

    // Three failures over two tenants and a warning, in a window that has closed: one message per tenant.
    const past = Date.now() - 16 * 60_000;
    const post = (product: string, severity: "error" | "warning", title: string) =>
      ingestEvents(db, orgId, [{ type: "deployment.failed", product, severity, title }], { indexed: true, now: past });
    await post("contoso", "error", "Contoso deploy 1 failed");
    await post("contoso", "error", "Contoso deploy 2 failed");
    await post("fabrikam", "error", "Fabrikam deploy failed");
    await post("fabrikam", "warning", "only a warning");
    await dispatchOnce(db, { deadlineMs: 20_000 });

    const bodies = receiver.requests.map((r) => ({
      auth: r.headers.authorization,
      body: JSON.parse(r.body) as { schemaVersion: string; tenant: string; alertCount: number; payload: { title: string }[] },
    }));
    expect(bodies.every((b) => b.auth === "Bearer cipp-SECRET-token")).toBe(true);
    expect(bodies.map((b) => [b.body.schemaVersion, b.body.tenant, b.body.alertCount]).sort()).toEqual([
      ["1.0", "contoso", 2],
      ["1.0", "fabrikam", 1],
    ]);
    expect(smtp.mails).toHaveLength(2);
    expect(smtp.mails.every((m) => m.envelopeTo.sort().join() === "noc@example.com,psmith@example.com")).toBe(true);
  });

  it("a second save changes the same channels and rule — no duplicates — and drops what it no longer names", async () => {
    await save({ email: "a@example.com", webhook: receiver.url("/one"), Severity: "Alert" });
    const first = await cippChannels();
    expect(first.map((c) => c.type).sort()).toEqual(["email", "webhook"]);
    await save({ email: "b@example.com", Severity: "Alert,Critical", onePerTenant: "true" });
    const second = await cippChannels();
    expect(second.map((c) => [c.id, c.type])).toEqual([[first.find((c) => c.type === "email")!.id, "email"]]);
    expect((await load()).json).toMatchObject({ email: "b@example.com", webhook: "", Severity: "Critical,Alert", onePerTenant: true, logsToInclude: [] });
    expect(
      await db
        .select()
        .from(rules)
        .where(and(eq(rules.orgId, orgId), eq(rules.name, "CIPP notifications"))),
    ).toHaveLength(1);
    // Nothing at all: the rule and channel go.
    await save({ email: "", webhook: "" });
    expect(await cippChannels()).toEqual([]);
    expect(await db.select().from(rules).where(eq(rules.name, "CIPP notifications"))).toEqual([]);
  });

  it("posting back what ListNotificationConfig read changes nothing: a secret left out, empty or SentToKeyVault keeps the stored one; keys in any case", async () => {
    await save({
      webhook: receiver.url("/keep?token=url-SECRET"),
      webhookAuthType: "Bearer",
      webhookAuthToken: "kept-SECRET",
      logsToInclude: ["AddUser", "TokensUpdater"],
    });
    const [before] = await cippChannels();
    const read = (await load()).json;
    expect(read.logsToInclude).toEqual(["account.created", "token.created", "token.revoked"]);
    expect(read.webhook).not.toContain("url-SECRET");
    for (const body of [read, { webhook: read.webhook, webhookauthtype: "bearer", webhookAuthToken: "SentToKeyVault", logsToInclude: read.logsToInclude }]) {
      expect((await save(body)).status).toBe(200);
    }
    const [after] = await cippChannels();
    expect(after.id).toBe(before.id);
    expect(after.secrets).toEqual(before.secrets);
    await ingestEvents(db, orgId, [{ type: "token.created", severity: "alert", title: "token made" }], { indexed: true, now: Date.now() - 16 * 60_000 });
    await dispatchOnce(db, { deadlineMs: 20_000 });
    expect(receiver.requests.map((r) => [r.path, r.headers.authorization])).toEqual([["/keep?token=url-SECRET", "Bearer kept-SECRET"]]);
  });

  it("the webhook's host picks the channel as CIPP picks the format; bad settings are refused naming CIPP's field, nothing saved", async () => {
    await save({ webhook: "https://hooks.slack.com/services/T0/B0/cippSlackSECRET" });
    expect((await cippChannels()).map((c) => c.type)).toEqual(["slack"]);
    expect(JSON.stringify((await load()).json)).not.toContain("cippSlackSECRET");

    const fields = async (body: unknown) => {
      const res = await save(body);
      return [res.status, Object.keys(res.json?.error?.fields ?? {}).sort()];
    };
    expect(await fields({ webhook: "https://acme.webhook.office.com/webhookb2/x" })).toEqual([422, ["webhook"]]);
    expect(await fields({ webhook: receiver.url(), webhookAuthType: "Bearer" })).toEqual([422, ["webhookAuthToken"]]);
    expect(await fields({ webhook: receiver.url(), webhookAuthType: "Kerberos" })).toEqual([422, ["webhookAuthType"]]);
    expect(await fields({ email: "ops@example.com", logsToInclude: ["ExecDnsConfig"] })).toEqual([422, ["logsToInclude.0"]]);
    expect(await fields({ email: "ops@example.com", Severity: "Loud" })).toEqual([422, ["Severity.0"]]);
    expect(await fields({ email: "not an address" })).toEqual([422, ["email"]]);
    expect((await cippChannels()).map((c) => c.type)).toEqual(["slack"]);
    // A read token reads, and changes nothing.
    expect((await save({ email: "x@example.com" }, read)).status).toBe(403);
  });
});
