import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { createChannel } from "@/lib/channels/service";
import { startReceiver, startSmtpServer, useTestEnvironment } from "@/lib/channels/testing/receivers";
import { closeMailTransport } from "@/lib/channels/email/module";
import { dispatchOnce } from "@/lib/dispatch/run";
import { createRule } from "@/lib/rules/queries";
import { createChannelSchema } from "@/lib/validation/channels";
import { ruleSchema } from "@/lib/validation/rules";
import { APP, callRoute, discoverRoutes, isErrorShape, type RouteOperation } from "./routes";
import { changedTables, paramsOf, seededTemplate, snapshotRows, validBodyOf } from "./two-orgs";

/**
 * Hostile input, property-based (fast-check), over every API operation that
 * takes a body — found in the file tree like the authorization matrix. Org A's
 * admin sends wrong types, huge strings, deep JSON, `__proto__`/`constructor`
 * keys, unicode edge cases, control characters and SQL-looking text, both as
 * whole bodies and planted into a valid body. Every answer is a 4xx in the
 * error shape (or a 2xx when the input happens to be valid), never a 5xx; a
 * refused request leaves every row as it was; Object.prototype stays clean.
 * Then the two places where text becomes a protocol header: a webhook's
 * custom headers, and an e-mail's subject built from event titles.
 */

const smtp = await startSmtpServer();
useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "1", SMTP_URL: smtp.url, HERALD_RETRY_SCHEDULE: "1" });

const RUNS = Number(process.env.HARDENING_FUZZ_RUNS ?? 15);

const receiver = await startReceiver();
const seeded = await seededTemplate(receiver.url());
const { a } = seeded.seed;
let db: Db = await seeded.fresh();

afterAll(async () => {
  await seeded.close();
  closeMailTransport();
  await receiver.close();
  await smtp.close();
});

/** Text that is spliced into the JSON as is: nesting too deep to build as an object, numbers JSON cannot round-trip. */
class Raw {
  constructor(readonly text: string) {}
  toString() {
    return `Raw(${this.text.slice(0, 40)}${this.text.length > 40 ? `… ${this.text.length} chars` : ""})`;
  }
}

function serialize(body: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value) => (value instanceof Raw ? `\u0000RAW${raws.push(value.text) - 1}\u0000` : value)) ?? "null";
  return text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_, i: string) => raws[Number(i)]);
}

const SPECIAL_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\r\n",
  "a\r\nX-Injected: yes",
  "\r\n\r\n<html>",
  "\u2028\u2029\u0085",
  "\ud800",
  "\udfff",
  "a\ud83d",
  "😀".repeat(500),
  "\u202eevil.exe",
  "\ufeff\u200b\u200d",
  "e\u0301".repeat(3000),
  "'; DROP TABLE events; --",
  "1 OR 1=1",
  '" OR ""="',
  "admin'--",
  "%00%0d%0a",
  "../../etc/passwd",
  "${7*7}{{7*7}}",
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "NaN",
  "1e309",
  "9".repeat(400),
  "x".repeat(100_000),
];

const deepNesting = fc
  .constantFrom(100, 1_000, 10_000, 100_000)
  .chain((depth) => fc.constantFrom(new Raw("[".repeat(depth) + "]".repeat(depth)), new Raw('{"a":'.repeat(depth) + "1" + "}".repeat(depth))));

const prototypeKeys = fc.constantFrom(
  new Raw('{"__proto__":{"polluted":"yes"}}'),
  new Raw('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  new Raw('{"__proto__":{"toString":"no"},"toString":"no","valueOf":1,"hasOwnProperty":null}'),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...SPECIAL_STRINGS), weight: 4 },
  { arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 200 }), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 1000 }).map((k) => "x".repeat(k * 1000)), weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
  { arbitrary: prototypeKeys, weight: 2 },
  { arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(new Raw("1e309"), new Raw("-0"), new Raw("123456789012345678901234567890"))), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.constantFrom(null, true, false, [], {}), weight: 1 },
);

/** Every place in a value a hostile value can go: [] is the whole body. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

type Mutation = { at: number; how: "replace" | "add" | "delete"; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  how: fc.constantFrom("replace", "add", "delete"),
  key: fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "type", "id"), fc.string({ maxLength: 20 })),
  value: hostileValue,
});

/** A valid body with one hostile change planted in it. */
function mutate(valid: unknown, m: Mutation): unknown {
  const body = structuredClone(valid) as unknown;
  const paths = pathsOf(body);
  const at = paths[m.at % paths.length];
  if (at.length === 0 && m.how === "replace") return m.value;
  const parentPath = m.how === "replace" || m.how === "delete" ? at.slice(0, -1) : at;
  let target = body as Record<string | number, unknown>;
  for (const k of parentPath) target = target[k] as Record<string | number, unknown>;
  if (!target || typeof target !== "object") return m.value;
  // An array has no named keys in JSON (an added "length" would not even define): adding to it appends.
  if (Array.isArray(target) && m.how === "add") {
    target.push(m.value);
    return body;
  }
  const key = m.how === "add" ? m.key : at[at.length - 1];
  if (key === undefined) return m.value;
  if (m.how === "delete") delete target[key];
  // defineProperty makes an own "__proto__" key, as JSON.parse would.
  else Object.defineProperty(target, key, { value: m.value, enumerable: true, writable: true, configurable: true });
  return body;
}

const cleanObjectProto = Object.getOwnPropertyNames(Object.prototype).sort().join();
const cleanArrayProto = Object.getOwnPropertyNames(Array.prototype).sort().join();
function prototypesAreClean(): boolean {
  return (
    Object.getOwnPropertyNames(Object.prototype).sort().join() === cleanObjectProto &&
    Object.getOwnPropertyNames(Array.prototype).sort().join() === cleanArrayProto &&
    ({} as Record<string, unknown>).polluted === undefined
  );
}

/** One hostile request and the invariants every answer keeps. */
async function sendHostile(op: RouteOperation, rawBody: string, headers?: Record<string, string>, options: { keep?: boolean } = {}) {
  const before = await snapshotRows(db);
  const res = await callRoute(op, { params: paramsOf(op.path, a), token: a.tokens.admin, rawBody, headers });
  const shown = `${op.op} ← ${rawBody.length > 300 ? `${rawBody.slice(0, 300)}… (${rawBody.length} chars)` : rawBody}\n→ ${res.status} ${res.text.slice(0, 400)}`;
  expect(res.status, shown).toBeLessThan(500);
  expect(prototypesAreClean(), `${shown}\nObject.prototype was polluted`).toBe(true);
  if (res.status >= 400) {
    expect(isErrorShape(res.json), shown).toBe(true);
    expect(changedTables(before, await snapshotRows(db)), `${shown}\na refused request wrote`).toEqual([]);
  } else if (!options.keep) {
    // An accepted body changed the data: the next case starts from the seed again.
    db = await seeded.fresh();
  }
  return res;
}

const allRoutes = await discoverRoutes(path.join(APP, "api"));
const withBody = allRoutes.filter((op) => op.endpoint?.body && op.endpoint.permission);
const testRoute = allRoutes.find((op) => op.op === "POST /api/v1/orgs/{org}/channels/{id}/test")!;

describe("hostile bodies, for every operation that takes one", () => {
  it("finds the operations (the discovery can fail)", () => {
    expect(withBody.map((op) => op.op)).toEqual(expect.arrayContaining(["POST /api/v1/events", "POST /api/v1/orgs/{org}/channels"]));
  });

  describe.each(withBody.map((op) => [op.op, op] as const))("%s", (_, op) => {
    it("refuses malformed, empty, oversized and deeply nested documents with a 4xx", async () => {
      const raw = [
        "",
        "   ",
        "{",
        '{"a":1,}',
        "undefined",
        "\u0000",
        "[".repeat(200_000) + "]".repeat(200_000),
        '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000),
        JSON.stringify({ filler: "x".repeat(1024 * 1024) }),
      ];
      for (const body of raw) {
        const res = await sendHostile(op, body);
        if (body.length > 1024 * 1024) expect(res.status).toBe(413);
      }
      // Deep nesting where free-form JSON is stored (event data).
      if (op.op === "POST /api/v1/events") {
        for (const depth of [1_000, 10_000, 100_000]) {
          const data = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
          await sendHostile(op, `{"type":"deployment.failed","title":"deep","product":"${a.product.slug}","data":${data}}`);
        }
      }
      // A body that says it is small but is not, and one in another content type.
      await sendHostile(op, JSON.stringify({ filler: "y".repeat(1024 * 1024 + 10) }), { "content-length": "10" });
      await sendHostile(op, "name=x&type=inbox", { "content-type": "application/x-www-form-urlencoded" });
    });

    it("answers any JSON document with a 4xx in the error shape, or accepts it", async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(hostileValue, fc.jsonValue({ maxDepth: 4 })), async (body) => {
          await sendHostile(op, serialize(body));
        }),
        { numRuns: RUNS },
      );
    });

    it("answers a valid body with one hostile change planted in it the same way", async () => {
      const valid = validBodyOf(op, a);
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => {
          await sendHostile(op, serialize(mutate(valid, m)));
        }),
        { numRuns: RUNS * 2 },
      );
    });

    it("still answers a valid request afterwards", async () => {
      db = await seeded.fresh();
      const res = await callRoute(op, { params: paramsOf(op.path, a), token: a.tokens.admin, body: validBodyOf(op, a) });
      expect(res.status, res.text).toBeLessThan(500);
    });
  });
});

describe("header injection", () => {
  const createOp = withBody.find((op) => op.op === "POST /api/v1/orgs/{org}/channels")!;
  const headerText = fc.oneof(
    fc.constantFrom(
      "ops\r\nX-Injected: yes",
      "ops\nX-Injected: yes",
      "ops\rX-Injected: yes",
      "a\u0000b",
      "\r\n\r\nGET / HTTP/1.1",
      "ok-value",
      "tab\there",
      "caf\u00e9",
      "\u2028x",
    ),
    fc.string({ unit: fc.constantFrom("a", " ", "\r", "\n", "\t", ":", "\u0000", "\u007f", "\u00ff", "\u0100", "é"), maxLength: 12 }),
  );
  const lineBreakOrControl = /[\u0000-\u0008\u000a-\u001f\u007f]/;

  it("a webhook's custom header values, API-key header and bearer token never carry a line break to the receiver", async () => {
    await fc.assert(
      fc.asyncProperty(headerText, fc.constantFrom("headers", "apikey", "bearer", "basic"), async (value, method) => {
        db = await seeded.fresh();
        const auth =
          method === "headers"
            ? { method, headers: { "X-Team": value } }
            : method === "apikey"
              ? { method, headerName: "X-Api-Key", headerValue: value }
              : method === "bearer"
                ? { method, token: value }
                : { method, username: "ops", password: value };
        const res = await sendHostile(createOp, JSON.stringify({ type: "webhook", name: "Header probe", url: receiver.url("/probe"), auth }), undefined, {
          keep: true,
        });
        const what = `${method} ${JSON.stringify(value)} → ${res.status} ${res.text.slice(0, 200)}`;
        if (lineBreakOrControl.test(value)) expect(res.status, what).toBe(422);
        if (res.status !== 201) return;
        const { channel } = res.json as { channel: { id: string } };
        const before = receiver.requests.length;
        const sent = await callRoute(testRoute, { params: { org: a.slug, id: channel.id }, token: a.tokens.admin });
        expect(sent.status, what).toBe(200);
        const got = receiver.requests.slice(before);
        expect(got, what).toHaveLength(1);
        const headers = got[0].headers;
        expect(headers["x-injected"], what).toBeUndefined();
        for (const [name, v] of Object.entries(headers)) expect(`${name}: ${v}`, what).not.toMatch(/[\r\n]/);
        db = await seeded.fresh();
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("an e-mail subject made from hostile event titles stays one header line", async () => {
    const ingest = withBody.find((op) => op.op === "POST /api/v1/events")!;
    const title = fc.oneof(
      fc.constantFrom(
        "Deploy failed\r\nBcc: victim@attacker.test",
        "Deploy failed\nX-Injected: yes",
        "Deploy\r\n\r\n<html>body</html>",
        "=?utf-8?b?WC1JbmplY3RlZDogeWVz?=",
        "\u2028Bcc: a@b.test",
        "Deploy\u0000failed",
      ),
      fc.string({ unit: fc.constantFrom("a", " ", "\r", "\n", "\t", ":", "B", "\u0000", "é", "😀", "\u2028"), minLength: 1, maxLength: 60 }),
    );
    await fc.assert(
      fc.asyncProperty(title, async (text) => {
        db = await seeded.fresh();
        const actor = { type: "system" as const, label: "hardening" };
        const mail = await createChannel(db, a.id, actor, createChannelSchema.parse({ type: "email", name: "Ops mail", recipients: "ops@example.test" }));
        await createRule(
          db,
          a.id,
          actor,
          ruleSchema.parse({ name: "Mail all", eventTypes: ["deployment.failed"], severities: ["error"], channels: [mail.id] }),
        );
        const before = smtp.mails.length;
        const res = await callRoute(ingest, {
          params: {},
          token: a.tokens.admin,
          body: { type: "deployment.failed", product: a.product.slug, severity: "error", title: text },
        });
        const what = `${JSON.stringify(text)} → ${res.status} ${res.text.slice(0, 200)}`;
        expect(res.status, what).toBeLessThan(500);
        if (res.status !== 202) return;
        await dispatchOnce(db, { deadlineMs: 5_000 });
        // The org's default deployment e-mails (to its owner) go out too: every mail is checked.
        const mails = smtp.mails.slice(before);
        expect(
          mails.filter((m) => m.envelopeTo.includes("ops@example.test")),
          what,
        ).toHaveLength(1);
        for (const { parsed, envelopeTo } of mails) {
          expect(envelopeTo.length, what).toBe(1);
          expect(envelopeTo[0], what).toMatch(/^(ops@example\.test|owner@[a-z.-]+\.test)$/);
          expect(parsed.subject ?? "", what).not.toMatch(/[\r\n]/);
          expect(parsed.headers.has("bcc"), what).toBe(false);
          expect(parsed.headers.has("x-injected"), what).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
