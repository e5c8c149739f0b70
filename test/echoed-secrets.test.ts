import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { attempts, channels, deliveries } from "@/db/schema";
import { insertApiToken } from "@/lib/auth/api-tokens";
import { closeMailTransport } from "@/lib/channels/email/module";
import { echoBodies, leakedSecrets, requestPieces, type EchoedRequest } from "@/lib/channels/testing/echo";
import { useTestEnvironment } from "@/lib/channels/testing/receivers";
import { insertChannel, queueDelivery } from "@/lib/dispatch/test-support";
import { dispatchOnce } from "@/lib/dispatch/run";
import { call } from "@/test/api";
import { seedOrg, testDb } from "@/test/db";
import * as channelList from "@/app/api/v1/orgs/[org]/channels/route";
import * as channelTest from "@/app/api/v1/orgs/[org]/channels/[id]/test/route";
import * as deliveryList from "@/app/api/v1/orgs/[org]/deliveries/route";
import * as testAlert from "@/app/api/v1/orgs/[org]/test-alert/route";

/**
 * Issue #15 item 4: receivers that echo the request back (its URL, headers
 * and body) in every spelling a real one might — decoded, percent-encoded,
 * JSON- and HTML-escaped, a Basic credential decoded and its password alone,
 * each path segment and query value, a secret cut in half by the 2 KB excerpt
 * limit — and an SMTP server that repeats the login it refused. Every channel
 * type sends to them through the dispatcher, the test alert and "Send test";
 * no stretch of any secret may then be in an attempt's excerpt or error, a
 * delivery's or channel's last error, a test result, or the API's JSON.
 */

// Each secret unlike the others (no 8 characters in common), with the characters that escaping changes.
const SMTP_PASSWORD = 'smtp Fg2/8+"pw"&é';
const SMTP_USER = "mailer";
const SECRETS = {
  password: 'pä/ss "Qz7\\basic" +&Vw1',
  bearer: 'brr/Tk9+"tok\\en&=Jx2',
  apikey: 'apk Mv3/+"&<x>Lq',
  header: 'hdr Wp4/ "q" \\ <&>Zn',
  slack: "sLkYh5Rt0005AbCdEfGh",
  discord: "dSc-Ju6_Wq-0006KmNp",
  teamsSig: "tMs-Ik8_Ox-0007+/Pz",
  smtp: SMTP_PASSWORD,
};
const SPELLED = {
  ...SECRETS,
  basicPair: `ops:${SECRETS.password}`,
  basicHeader: Buffer.from(`ops:${SECRETS.password}`).toString("base64"),
  teamsSigInUrl: encodeURIComponent(SECRETS.teamsSig),
  smtpPlain: Buffer.from(`\0${SMTP_USER}\0${SMTP_PASSWORD}`).toString("base64"),
  smtpLogin: Buffer.from(SMTP_PASSWORD).toString("base64"),
};

/** Which echo every peer uses now (one round per spelling). */
let round = 0;
/** How many spellings the wordiest peer has: the rounds go on until each peer has used all of its own. */
let spellings = 0;
const echoed: string[] = [];

function echoFor(pieces: string[], whole: unknown, separator?: string): string {
  const bodies = echoBodies(pieces, whole, separator);
  spellings = Math.max(spellings, bodies.length);
  const body = bodies[round % bodies.length];
  echoed.push(body);
  return body;
}

const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const request: EchoedRequest = { path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
    const body = echoFor(requestPieces(request), { url: request.path, headers: request.headers, body: request.body });
    res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
    res.end(body);
  });
});

const smtp = new SMTPServer({
  authMethods: ["PLAIN", "LOGIN"],
  allowInsecureAuth: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onAuth(auth, _session, callback) {
    const pieces = [
      `${auth.username}:${auth.password}`,
      auth.password ?? "",
      Buffer.from(`\0${auth.username}\0${auth.password}`).toString("base64"),
      Buffer.from(auth.password ?? "").toString("base64"),
    ];
    const message = `Authentication failed: ${echoFor(pieces, { method: auth.method, username: auth.username, password: auth.password }, " | ")}`;
    callback(Object.assign(new Error(message), { responseCode: 535 }));
  },
});

await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", () => resolve()));
const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
useTestEnvironment({
  HERALD_ALLOW_PRIVATE_TARGETS: "1",
  HERALD_RETRY_SCHEDULE: "1",
  SMTP_URL: `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
  SMTP_FROM: "Herald <herald@acme.test>",
});

let db: Db;
let orgId: string;
let admin: string;
const ids: Record<string, string> = {};
const params = { org: "acme" };
/** Every text the API gave back, by where it came from. */
const answers: { where: string; text: string }[] = [];

beforeAll(async () => {
  db = await testDb();
  orgId = (await seedOrg(db, "acme")).org.id;
  admin = (await insertApiToken(db, { orgId, name: "ci", role: "admin" })).token;
  const webhook = (path: string, settings: Record<string, unknown>, secrets: Record<string, string>) =>
    insertChannel(db, orgId, {
      type: "webhook",
      name: path,
      settings: { url: `${base}/${path}`, format: "array", ...settings },
      secrets: { signingSecret: "whsec_c2lnbmluZ1NFQ1JFVGJ5dGVzMDAwOS1wYWRkaW5nISE=", ...secrets },
    });
  ids.basic = await webhook("basic", { authMethod: "basic", username: "ops" }, { password: SECRETS.password });
  ids.bearer = await webhook("bearer", { authMethod: "bearer" }, { token: SECRETS.bearer });
  ids.apikey = await webhook("apikey", { authMethod: "apikey", headerName: "X-Api-Key" }, { headerValue: SECRETS.apikey });
  ids.headers = await webhook("headers", { authMethod: "headers" }, { headers: JSON.stringify({ "X-Team": "ops", "X-Token": SECRETS.header }) });
  // Loopback stand-ins for Slack, Discord and Teams, shaped like theirs so the secret parts of the URL are where they would be.
  ids.slack = await insertChannel(db, orgId, { type: "slack", name: "slack", secrets: { url: `${base}/services/T0FAKE01/B0FAKE02/${SECRETS.slack}` } });
  ids.discord = await insertChannel(db, orgId, {
    type: "discord",
    name: "discord",
    secrets: { url: `${base}/api/webhooks/123456789012345678/${SECRETS.discord}` },
  });
  ids.teams = await insertChannel(db, orgId, {
    type: "teams",
    name: "teams",
    secrets: {
      url: `${base}/workflows/0a1b2c3d4e5f60718293/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${encodeURIComponent(SECRETS.teamsSig)}`,
    },
  });
  ids.email = await insertChannel(db, orgId, { type: "email", name: "email", settings: { recipients: ["ops@acme.test"] } });
});

afterAll(async () => {
  closeMailTransport();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

async function api(where: string, handler: Parameters<typeof call>[0], options: Omit<Parameters<typeof call>[1], "token">) {
  const res = await call(handler, { ...options, token: admin });
  expect(res.status, where).toBeLessThan(300);
  answers.push({ where, text: JSON.stringify(res.json) });
  return res.json;
}

describe("credentials a receiver echoes back", () => {
  it("are sent, and echoed, in every spelling, by every channel type", { timeout: 240_000 }, async () => {
    do {
      for (const channelId of Object.values(ids)) await queueDelivery(db, { orgId, channelId });
      await dispatchOnce(db, { deadlineMs: 20_000 });
      await api(`test alert, round ${round}`, testAlert.POST, {
        method: "POST",
        url: `${base}/api/v1/orgs/acme/test-alert`,
        params,
        body: { channels: "all" },
      });
      for (const [name, id] of Object.entries(ids)) {
        await api(`send test to ${name}, round ${round}`, channelTest.POST, {
          method: "POST",
          url: `${base}/api/v1/orgs/acme/channels/${id}/test`,
          params: { ...params, id },
        });
      }
      round++;
    } while (round < spellings);
    // The attack is real: what the peers answered carried every secret in some spelling.
    expect(leakedSecrets(echoed.join("\n"), SPELLED).sort()).toEqual(Object.keys(SPELLED).sort());
  });

  it("are in no stored excerpt or error, last error, test result or API answer", async () => {
    let cursor: string | null = null;
    do {
      const page: { deliveries: unknown[]; nextCursor: string | null } = await api("delivery log", deliveryList.GET, {
        url: `${base}/api/v1/orgs/acme/deliveries?limit=200${cursor ? `&cursor=${cursor}` : ""}`,
        params,
      });
      cursor = page.nextCursor;
    } while (cursor);
    await api("channel list", channelList.GET, { url: `${base}/api/v1/orgs/acme/channels`, params });

    const stored = [
      ...(await db.select({ response: attempts.response, error: attempts.error }).from(attempts)).map((a) => ({
        where: "attempt",
        text: `${a.response ?? ""}\n${a.error ?? ""}`,
      })),
      ...(await db.select({ lastError: deliveries.lastError }).from(deliveries)).map((d) => ({ where: "delivery last error", text: d.lastError ?? "" })),
      ...(await db.select({ name: channels.name, lastError: channels.lastError }).from(channels)).map((c) => ({
        where: `${c.name} last error`,
        text: c.lastError ?? "",
      })),
    ];
    const texts = [...stored, ...answers];
    // The check reads real content: excerpts were kept, with the secrets taken out of them.
    expect(stored.filter((t) => t.where === "attempt").length).toBeGreaterThanOrEqual(spellings * 8 * 2);
    expect(texts.some((t) => t.text.includes("[redacted]") && t.text.includes("user-agent"))).toBe(true);
    expect(texts.some((t) => t.text.includes("Authentication failed"))).toBe(true);

    const leaks = texts.flatMap(({ where, text }) => leakedSecrets(text, SPELLED).map((name) => `${name} in ${where}: ${text.slice(0, 400)}`));
    expect(leaks).toEqual([]);
  });
});
