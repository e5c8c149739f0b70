import http from "node:http";
import type { AddressInfo } from "node:net";
import { echoBodies, leakedSecrets, requestPieces } from "@/lib/channels/testing/echo";
import { EVENT_TYPE } from "../herald";
import type { SecurityAttack, SecurityContext } from "./types";

/**
 * Issue #15 item 4, from outside: an org admin points a webhook with Basic
 * auth at a receiver that answers 401 with the request echoed back (its
 * headers, its Authorization decoded, the password alone; as JSON, PHP JSON,
 * percent- and form-encoded, HTML-escaped, cut by the 2 KB excerpt limit),
 * then sends through every path — real events, the test alert, "Send test" —
 * and reads what every member can read: the delivery log, the channel list,
 * the test results. No stretch of the credential may be in any of it.
 */

const PASSWORD = 'hä/rd "Echo\\pw" +&7Zq';
// Shorter than the 8 characters the check looks for: the user name alone is shown to members, and is no secret.
const USERNAME = "ops";
const SECRETS = {
  password: PASSWORD,
  basicPair: `${USERNAME}:${PASSWORD}`,
  basicHeader: Buffer.from(`${USERNAME}:${PASSWORD}`).toString("base64"),
};
const WAIT_MS = 60_000;

type Echo = { url: string; answered: string[]; spellings: number; close(): Promise<void> };

/** The echoing receiver: the n-th request gets the n-th way of echoing (cycling). */
async function startEcho(): Promise<Echo> {
  const answered: string[] = [];
  const echo = { spellings: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = { path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      const bodies = echoBodies(requestPieces(request), { url: request.path, headers: request.headers, body: request.body });
      echo.spellings = bodies.length;
      const body = bodies[answered.length % bodies.length];
      answered.push(body);
      res.writeHead(401, { "content-type": "text/plain; charset=utf-8" });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo-hook`,
    answered,
    get spellings() {
      return echo.spellings;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function run({ server, sandbox }: SecurityContext) {
  const failures: string[] = [];
  const texts: { where: string; text: string }[] = [];
  const api = async (where: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${sandbox.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(WAIT_MS),
    });
    const text = await res.text();
    texts.push({ where, text });
    if (!res.ok) throw new Error(`${where}: ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const org = `/api/v1/orgs/${sandbox.org}`;
  const echo = await startEcho();
  try {
    const created = await api("create channel", "POST", `${org}/channels`, {
      type: "webhook",
      name: "Echoing receiver",
      url: echo.url,
      auth: { method: "basic", username: USERNAME, password: PASSWORD },
      skipTest: true, // the "send test" below is the one counted
    });
    const channelId = (created.channel as { id: string }).id;

    // "Send test" first: it tells how many ways this receiver echoes, so each is used once below.
    await api("send test", "POST", `${org}/channels/${channelId}/test`);
    const spellings = echo.spellings;
    await api("create rule", "POST", `${org}/rules`, { name: "Echo", eventTypes: [EVENT_TYPE], severities: ["warning"], channels: [channelId] });
    const stamp = Date.now();
    const events = Array.from({ length: spellings }, (_, i) => ({
      id: `echo-${stamp}-${i}`,
      type: EVENT_TYPE,
      severity: "warning",
      title: `Echo ${i}`,
      data: { i },
    }));
    await api("ingest", "POST", "/api/v1/events", events);
    for (let i = 0; i < 3; i++) await api(`test alert ${i + 1}`, "POST", `${org}/test-alert`, { channels: [channelId] });

    // The events' deliveries are sent by the server's own worker: wait until every one has its attempt.
    const until = Date.now() + WAIT_MS;
    let attempted = 0;
    while (Date.now() < until) {
      const log = (await api("delivery log", "GET", `${org}/deliveries?channel=${channelId}&limit=200`)) as {
        deliveries: { isTest: boolean; attempts: unknown[] }[];
      };
      attempted = log.deliveries.filter((d) => !d.isTest && d.attempts.length > 0).length;
      if (attempted >= spellings) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (attempted < spellings) failures.push(`only ${attempted} of ${spellings} deliveries to the echoing receiver were attempted within ${WAIT_MS / 1000} s`);
    await api("channel list", "GET", `${org}/channels`);

    // The attack is real: the receiver's answers carried the credential in every form checked for.
    const echoed = leakedSecrets(echo.answered.join("\n"), SECRETS);
    if (echoed.length !== Object.keys(SECRETS).length) failures.push(`the receiver echoed only ${echoed.join(", ") || "nothing"}: the attack did not run`);
    if (!texts.some((t) => t.text.includes("[redacted]"))) failures.push("no answer shows a [redacted] excerpt: the echoes never reached the delivery log");
    for (const { where, text } of texts) {
      for (const name of leakedSecrets(text, SECRETS)) failures.push(`${name} of the Basic credential is readable in ${where}: ${text.slice(0, 300)}`);
    }
    return { failures, figures: { echoes: echo.answered.length, spellings, answersRead: texts.length } };
  } finally {
    await echo.close();
  }
}

export const attacks: SecurityAttack[] = [{ name: "a receiver echoes the channel's credentials back", run }];
