import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { E2E, createToken, receiver } from "./fixtures";
import { firstStepsScript } from "./readme";

/**
 * Every example request Herald documents, sent to the running server: first
 * each operation of the served OpenAPI document with its example parameters
 * and body, then every curl command in README.md and docs/. Each must get its
 * documented success status. Examples write ids as placeholders (`ch_…`) and
 * the org as `acme`; they are replaced by what the previous steps created.
 * Runs last (its own Playwright project): the examples replace the org rules.
 */
test.describe.configure({ mode: "serial" });

type Parameter = { name: string; in: "path" | "query"; example?: string };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content: { "application/json": { example?: unknown } } };
  responses: Record<string, unknown>;
  security: Record<string, string[]>[];
};
type Document = { paths: Record<string, Record<string, Operation>> };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Placeholder (or example value) → the real value it stands for here. */
type Bindings = Map<unknown, string>;

type Step = {
  /** "METHOD /path" as in the document. */
  op: string;
  /** Runs first (e.g. makes the receiver fail). */
  before?: () => Promise<void>;
  /** Repeats the request until this holds (state the dispatcher reaches on its own). */
  until?: (body: Json) => boolean;
  /** Binds the ids the answer creates. */
  bind?: (body: Json) => void;
  /** Bindings for this step only (a product notification's id is a channel id). */
  also?: () => Record<string, string>;
};

const bindings: Bindings = new Map<unknown, string>([
  ["acme", E2E.owner.slug],
  ["https://example.com/herald-hook", `http://127.0.0.1:${E2E.receiverPort}/api-examples`],
]);
const bound = (placeholder: string) => bindings.get(placeholder)!;
const DISPATCH_TOKEN = E2E.serverEnv.HERALD_DISPATCH_TOKEN;

const SCENARIO: Step[] = [
  { op: "GET /api/health" },
  { op: "GET /api/v1/openapi.json" },
  { op: "GET /api/v1/orgs/{org}/products" },
  { op: "POST /api/v1/orgs/{org}/products" },
  { op: "GET /api/v1/orgs/{org}/products/{product}" },
  { op: "PATCH /api/v1/orgs/{org}/products/{product}" },
  { op: "GET /api/v1/orgs/{org}/channels" },
  { op: "POST /api/v1/orgs/{org}/channels", bind: (b) => bindings.set("ch_…", b.channel.id) },
  { op: "GET /api/v1/orgs/{org}/channels/{id}" },
  { op: "PATCH /api/v1/orgs/{org}/channels/{id}" },
  { op: "GET /api/v1/orgs/{org}/channels/{id}/signing-secret" },
  { op: "POST /api/v1/orgs/{org}/channels/{id}/signing-secret/rotate" },
  { op: "POST /api/v1/orgs/{org}/channels/{id}/test" },
  { op: "GET /api/v1/orgs/{org}/event-types" },
  { op: "POST /api/v1/orgs/{org}/event-types" },
  { op: "GET /api/v1/orgs/{org}/rules" },
  { op: "POST /api/v1/orgs/{org}/rules", bind: (b) => bindings.set("rul_…", b.rule.id) },
  { op: "GET /api/v1/orgs/{org}/rules/{id}" },
  // The receiver is down: the example event's delivery to the example channel ends dead.
  { op: "POST /api/v1/events", before: () => setReceiverStatus(500), bind: (b) => bindings.set("evt_…", b.events[0].id) },
  { op: "GET /api/v1/orgs/{org}/events" },
  { op: "GET /api/v1/orgs/{org}/events/{id}" },
  { op: "GET /api/v1/orgs/{org}/rules/{id}/matches" },
  { op: "GET /api/v1/orgs/{org}/events/{id}/trace" },
  {
    op: "GET /api/v1/orgs/{org}/deliveries",
    until: (b) => b.deliveries.some((d: Json) => d.channelId === bound("ch_…") && d.status === "dead"),
    bind: (b) => bindings.set("dlv_…", b.deliveries.find((d: Json) => d.channelId === bound("ch_…")).id),
  },
  { op: "GET /api/v1/orgs/{org}/deliveries/{id}" },
  // Fixed: re-enable the channel, retry the delivery, replay the rest.
  { op: "POST /api/v1/orgs/{org}/channels/{id}/enable", before: () => setReceiverStatus(200) },
  { op: "POST /api/v1/orgs/{org}/deliveries/{id}/retry" },
  { op: "POST /api/v1/orgs/{org}/deliveries/replay" },
  { op: "PATCH /api/v1/orgs/{org}/rules/{id}" },
  { op: "POST /api/v1/orgs/{org}/test-alert/preview" },
  { op: "POST /api/v1/orgs/{org}/test-alert" },
  { op: "GET /api/v1/apps/{app}/notifications" },
  { op: "POST /api/v1/apps/{app}/notifications", bind: (b) => bindings.set("notification", b.notification.id) },
  { op: "GET /api/v1/apps/{app}/notifications/{id}", also: () => ({ "ch_…": bound("notification") }) },
  { op: "PATCH /api/v1/apps/{app}/notifications/{id}", also: () => ({ "ch_…": bound("notification") }) },
  { op: "DELETE /api/v1/apps/{app}/notifications/{id}", also: () => ({ "ch_…": bound("notification") }) },
  // Silences: one made and expired; a snooze of the example event (the examples run last).
  { op: "POST /api/v1/orgs/{org}/silences", bind: (b) => bindings.set("sil_…", b.silence.id) },
  { op: "GET /api/v1/orgs/{org}/silences" },
  { op: "GET /api/v1/orgs/{org}/silences/{id}" },
  { op: "DELETE /api/v1/orgs/{org}/silences/{id}" },
  { op: "POST /api/v1/orgs/{org}/events/{id}/snooze" },
  // Clever Cloud's hooks: made, listed, removed (a hook's id is its channel's).
  { op: "POST /api/v2/notifications/webhooks/{org}", bind: (b) => bindings.set("cc-webhook", b.id) },
  { op: "GET /api/v2/notifications/webhooks/{org}" },
  { op: "DELETE /api/v2/notifications/webhooks/{org}/{hook}", also: () => ({ "ch_…": bound("cc-webhook") }) },
  { op: "POST /api/v2/notifications/emailhooks/{org}", bind: (b) => bindings.set("cc-emailhook", b.id) },
  { op: "GET /api/v2/notifications/emailhooks/{org}" },
  { op: "DELETE /api/v2/notifications/emailhooks/{org}/{hook}", also: () => ({ "ch_…": bound("cc-emailhook") }) },
  // CIPP's settings, at CIPP's paths.
  { op: "POST /api/ExecNotificationConfig" },
  { op: "GET /api/ListNotificationConfig" },
  { op: "POST /api/dispatch" },
  { op: "GET /api/metrics" },
  { op: "DELETE /api/v1/orgs/{org}/rules/{id}" },
  { op: "GET /api/v1/notification-config" },
  { op: "POST /api/v1/notification-config" },
  { op: "DELETE /api/v1/orgs/{org}/products/{product}" },
  // The rule the notification-config example made sends only to this channel: a channel cannot leave a rule sending nowhere (409).
  { op: "DELETE /api/v1/orgs/{org}/channels/{id}", before: () => deleteRulesSendingOnlyTo(bound("ch_…")) },
];

let request: APIRequestContext;
let token: string;

async function deleteRulesSendingOnlyTo(channelId: string) {
  const headers = { authorization: `Bearer ${token}` };
  const { rules } = await (await request.get(`/api/v1/orgs/${E2E.owner.slug}/rules`, { headers })).json();
  for (const rule of rules as { id: string; channels: string[] }[]) {
    if (rule.channels.length === 1 && rule.channels[0] === channelId)
      expect((await request.delete(`/api/v1/orgs/${E2E.owner.slug}/rules/${rule.id}`, { headers })).status()).toBe(204);
  }
}

async function setReceiverStatus(status: number) {
  await (await receiver(request)).answer(status);
}

/** A copy of `value` with every bound placeholder replaced, at any depth. */
function substitute(value: unknown, extra: Record<string, string> = {}): unknown {
  if (typeof value === "string") return extra[value] ?? bindings.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => substitute(v, extra));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, extra)]));
  return value;
}

test.beforeAll(async ({ playwright }) => {
  request = await playwright.request.newContext({ baseURL: E2E.baseURL });
  token = createToken("admin", "e2e-api-examples");
});
test.afterAll(async () => {
  await setReceiverStatus(200);
  await request.dispose();
});

test("every operation's documented example request succeeds, in a scenario that covers them all", async () => {
  test.setTimeout(120_000);
  const document = (await (await request.get("/api/v1/openapi.json")).json()) as Document;
  const documented = Object.entries(document.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
  expect([...SCENARIO.map((s) => s.op)].sort(), "the scenario must send every documented operation once").toEqual(documented.sort());

  for (const step of SCENARIO) {
    const [method, pathTemplate] = step.op.split(" ");
    const operation = document.paths[pathTemplate][method.toLowerCase()];
    await step.before?.();
    const extra = step.also?.() ?? {};
    const parameters = operation.parameters ?? [];
    const url = pathTemplate.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const example = parameters.find((p) => p.in === "path" && p.name === name)?.example;
      expect(example, `${step.op}: {${name}} has no documented example`).toBeDefined();
      return encodeURIComponent(substitute(example, extra) as string);
    });
    const query = Object.fromEntries(
      parameters.filter((p) => p.in === "query" && p.example !== undefined).map((p) => [p.name, substitute(p.example, extra) as string]),
    );
    const body = operation.requestBody?.content["application/json"].example;
    if (operation.requestBody) expect(body, `${step.op}: the request body has no documented example`).toBeDefined();
    const scheme = Object.keys(operation.security[0] ?? {})[0];
    const headers: Record<string, string> = scheme ? { authorization: `Bearer ${scheme === "operatorToken" ? DISPATCH_TOKEN : token}` } : {};
    const expected = Number(Object.keys(operation.responses).find((status) => status.startsWith("2")));

    const send = () => request.fetch(url, { method, params: query, headers, ...(body !== undefined && { data: substitute(body, extra) }) });
    let response = await send();
    const text = async () => `${step.op} → ${response.status()} ${await response.text()}`;
    expect(response.status(), await text()).toBe(expected);
    if (step.until) {
      const deadline = Date.now() + 30_000;
      while (!step.until(await response.json())) {
        expect(Date.now(), `${step.op}: the expected state never came: ${await text()}`).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 250));
        response = await send();
        expect(response.status(), await text()).toBe(expected);
      }
    }
    if (step.bind) step.bind(await response.json());
  }
});

/**
 * The curl commands of README.md and docs/*.md, continuation lines joined, comments and cron fields dropped.
 * Not the README's First steps: they create the example product, so they only run on a fresh install
 * (e2e/readme-first-steps.spec.ts runs them there, verbatim).
 */
function documentedCurlCommands(): { file: string; command: string }[] {
  const firstSteps = firstStepsScript();
  const files = [
    "README.md",
    ...fs
      .readdirSync("docs")
      .filter((f) => f.endsWith(".md"))
      .map((f) => path.join("docs", f)),
  ];
  const out: { file: string; command: string }[] = [];
  for (const file of files) {
    for (const block of fs.readFileSync(file, "utf8").matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
      if (file === "README.md" && block[1] === firstSteps) continue;
      for (const line of block[1].replace(/\\\n\s*/g, " ").split("\n")) {
        const command = line.replace(/^(\*\s+){5}/, "").trim();
        if (command.startsWith("curl ")) out.push({ file, command });
      }
    }
  }
  return out;
}

test("every curl command in the README and docs succeeds against the server", async () => {
  const peers = await receiver(request);
  const channel = await request.post(`/api/v1/orgs/${E2E.owner.slug}/channels`, {
    headers: { authorization: `Bearer ${token}` },
    data: { type: "webhook", name: "docs-curl-hook", url: peers.url("/docs-curl") },
  });
  expect(channel.status()).toBe(201);
  const channelId = (await channel.json()).channel.id as string;
  const commands = documentedCurlCommands();
  expect(commands.length).toBeGreaterThanOrEqual(8);

  for (const { file, command } of commands) {
    const local = command
      .replaceAll("https://herald.example.com", E2E.baseURL)
      .replaceAll("localhost:3000", E2E.baseURL)
      .replaceAll("/orgs/acme/", `/orgs/${E2E.owner.slug}/`)
      .replace(/\/(webhooks|emailhooks)\/acme\b/g, `/$1/${E2E.owner.slug}`)
      .replaceAll("?org=acme", `?org=${E2E.owner.slug}`)
      .replaceAll("https://hooks.example.com/", peers.url("/"))
      .replaceAll("ch_…", channelId)
      // A new channel is sent a test first; Slack is outside this machine, so its documented channel is created untested here.
      .replace(/("url": "https:\/\/hooks\.slack\.com[^"]*")/g, '$1, "skipTest": true');
    // Each answer's status goes to stderr, so a command that discards its output is still checked.
    // 60 s: /api/dispatch may take its maxMs (up to 25 s) and then wait up to 20 s for the sends in flight (docs/delivery.md).
    const script = `set -euo pipefail\ncurl() { command curl --max-time 60 --write-out '%{stderr}HTTP %{http_code}\\n' "$@"; }\n${local}`;
    const run = spawnSync("bash", ["-c", script], {
      env: { ...process.env, TOKEN: token, HERALD_TOKEN: token, HERALD_DISPATCH_TOKEN: DISPATCH_TOKEN },
      encoding: "utf8",
    });
    const status = Number(/HTTP (\d+)/.exec(run.stderr)?.[1]);
    expect(run.status === 0 && status >= 200 && status < 300, `${file}: ${command}\nexit ${run.status}, HTTP ${status}\n${run.stdout}\n${run.stderr}`).toBe(
      true,
    );
  }
});
