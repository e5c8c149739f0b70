import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/client";
import { memberships, users } from "@/db/schema";
import { startReceiver, useTestEnvironment } from "@/lib/channels/testing/receivers";
import { newId } from "@/lib/ids";
import { ROOT } from "./routes";
import { changedTables, seededTemplate, snapshotRows } from "./two-orgs";

/**
 * Every server action (found in the "use server" modules) called directly
 * with fuzzed input — hostile values, and plausible fields (ids of this org
 * and of another, slugs, names) so that some inputs pass validation and reach
 * the guard — by an anonymous visitor, a member, the owner of another org and
 * the org's owner. Next's session lookup and cache revalidation are stood in
 * for (they need a request); the actions, their validation, the guard and the
 * database are real. Whatever the input, an action answers
 * `{ ok, fieldErrors?, formError? }` and never throws or reports an internal
 * error; an anonymous caller changes nothing; a member changes nothing but
 * their own inbox marks; another org's owner changes nothing of this org.
 */

const auth = vi.hoisted(() => ({ session: null as null | { user: { id: string } }, after: [] as Promise<unknown>[] }));
vi.mock("next-auth", async (importOriginal) => ({ ...(await importOriginal<object>()), getServerSession: async () => auth.session }));
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {}, updateTag: () => {}, refresh: () => {} }));
// `after(fn)` runs work once the response is sent; here it runs at once and the call waits for it.
vi.mock("next/server", async (importOriginal) => ({
  ...(await importOriginal<object>()),
  after: (task: unknown) => auth.after.push(Promise.resolve().then(() => (typeof task === "function" ? task() : task))),
}));

useTestEnvironment({ HERALD_ALLOW_PRIVATE_TARGETS: "1", SMTP_URL: "smtp://127.0.0.1:9" });
const RUNS = Number(process.env.HARDENING_FUZZ_RUNS ?? 15);

const receiver = await startReceiver();
const seeded = await seededTemplate(receiver.url());
const { a, b } = seeded.seed;
let db: Db = await seeded.fresh();
afterAll(async () => {
  await seeded.close();
  await receiver.close();
});

/** A plain member of org A, added to every fresh copy (the template has owners only). */
const memberId = newId("usr");
async function freshWithMember(): Promise<Db> {
  db = await seeded.fresh();
  await db.insert(users).values({ id: memberId, email: "member@org-a.test" }).onConflictDoNothing();
  await db.insert(memberships).values({ orgId: a.id, userId: memberId, role: "member" }).onConflictDoNothing();
  return db;
}

type Action = (input: unknown) => Promise<{ ok: boolean; formError?: string; fieldErrors?: Record<string, string[]> }>;

function serverModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name.startsWith(".") ? [] : serverModules(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.includes(".test.") && /^\s*["']use server["']/.test(readFileSync(full, "utf8")) ? [full] : [];
  });
}

const actions: { key: string; fn: Action }[] = [];
for (const file of ["app", "lib", "components"].flatMap((d) => serverModules(path.join(ROOT, d)))) {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  for (const [name, value] of Object.entries(mod)) {
    if (typeof value === "function") actions.push({ key: `${path.relative(ROOT, file)}#${name}`, fn: value as Action });
  }
}

/** Actions any signed-in user may use outside an org they belong to, or without one. */
const NOT_ORG_SCOPED = new Set([
  "app/orgs/new/actions.ts#createOrgAction",
  "app/setup/actions.ts#setupAction",
  "app/invite/[token]/actions.ts#acceptInviteAction",
  "app/invite/[token]/actions.ts#joinOrgAction",
  "app/o/[org]/session-actions.ts#signOutEverywhereAction",
]);

const hostileText = fc.oneof(
  fc.constantFrom("", "\u0000", "a\r\nX-Injected: 1", "'; DROP TABLE rules; --", "__proto__", "\ud800", "x".repeat(70_000), "😀".repeat(300)),
  fc.string({ unit: "binary", maxLength: 60 }),
);
const someId = fc.constantFrom(
  a.channelId,
  a.ruleId,
  a.notificationId,
  a.deliveryId,
  a.eventId,
  a.product.id,
  a.ownerId,
  b.channelId,
  b.ruleId,
  b.deliveryId,
  b.product.id,
  "nope",
);
const plausible = {
  org: fc.constantFrom(a.slug, a.slug, b.slug, "no-such-org"),
  id: someId,
  channelId: someId,
  deliveryId: someId,
  productId: fc.constantFrom(a.product.id, a.otherProduct.id, b.product.id),
  userId: fc.constantFrom(a.ownerId, memberId, b.ownerId),
  tokenId: fc.constant("tok_nope"),
  product: fc.constantFrom(a.product.slug, b.product.slug),
  name: fc.oneof(fc.constant("Fuzzed name"), hostileText),
  slug: fc.constantFrom("fuzzed", "Bad Slug", ""),
  email: fc.constantFrom("new@org-a.test", "not-an-email", "member@org-a.test"),
  role: fc.constantFrom("owner", "admin", "member", "root"),
  type: fc.constantFrom("inbox", "webhook", "email", "deployment.failed", "x"),
  url: fc.constantFrom(receiver.url("/fuzz"), "javascript:alert(1)", "http://169.254.169.254/"),
  enabled: fc.boolean(),
  active: fc.boolean(),
  read: fc.boolean(),
  ids: fc.oneof(fc.constant("all"), fc.array(someId, { maxLength: 3 })),
  eventTypes: fc.oneof(fc.constant("all"), fc.constant(["deployment.failed"])),
  severities: fc.constant(["error"]),
  channels: fc.oneof(fc.constant("all"), fc.array(someId, { maxLength: 2 })),
  since: fc.constant("2020-01-01T00:00:00Z"),
  channel: someId,
  key: fc.constantFrom("fuzz.happened", "BAD"),
  scope: fc.constantFrom("org", "product", "any"),
  title: hostileText,
  recipients: fc.constantFrom("ops@example.test", "@owners", "bad"),
  userIds: fc.array(fc.constantFrom(a.ownerId, memberId, b.ownerId), { maxLength: 2 }),
  deliveryIds: fc.array(someId, { maxLength: 2 }),
  preferences: fc.constant([]),
};
const fieldValue = (key: keyof typeof plausible) =>
  fc.oneof({ arbitrary: plausible[key] as fc.Arbitrary<unknown>, weight: 4 }, { arbitrary: hostileText, weight: 1 });
/** Sometimes an own `__proto__` / `constructor` key, as a decoded request body can carry. */
const withPrototypeKeys = (record: Record<string, unknown>, plant: boolean) => {
  if (plant) {
    for (const key of ["__proto__", "constructor"]) {
      Object.defineProperty(record, key, {
        value: key === "constructor" ? { prototype: { polluted: "yes" } } : { polluted: "yes" },
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return record;
};
const input = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        fc.record(Object.fromEntries(Object.keys(plausible).map((k) => [k, fieldValue(k as keyof typeof plausible)])), { requiredKeys: ["org"] }),
        fc.boolean(),
      )
      .map(([record, plant]) => withPrototypeKeys(record, plant)),
    weight: 6,
  },
  { arbitrary: fc.oneof(hostileText, fc.jsonValue({ maxDepth: 3 }), fc.constant(null), fc.constant(undefined)), weight: 1 },
);

const callers = {
  anonymous: null,
  member: memberId,
  "another org's owner": b.ownerId,
  owner: a.ownerId,
} as const;

/** How often each action's input got past validation, and was accepted: printed at the end, to show what the fuzz reached. */
const reached: Record<string, { validated: number; ok: number }> = {};
afterAll(() => {
  const lines = actions.map(
    ({ key }) => `${String(reached[key]?.validated ?? 0).padStart(4)} past validation, ${String(reached[key]?.ok ?? 0).padStart(3)} ok  ${key}`,
  );
  if (process.env.HARDENING_VERBOSE) console.log(lines.join("\n"));
});

const cleanObjectProto = Object.getOwnPropertyNames(Object.prototype).sort().join();

async function callAction(key: string, fn: Action, caller: keyof typeof callers, value: unknown) {
  const before = await snapshotRows(db);
  const userId = callers[caller];
  auth.session = userId ? { user: { id: userId } } : null;
  let result: Awaited<ReturnType<Action>>;
  try {
    result = await fn(value);
    await Promise.all(auth.after.splice(0));
  } catch (e) {
    const digest = (e as { digest?: string }).digest ?? "";
    // redirect()/notFound() are how Next actions navigate: not a failure.
    if (digest.startsWith("NEXT_")) return;
    throw new Error(`${key} threw for ${caller} with ${JSON.stringify(value)?.slice(0, 300)}: ${(e as Error).stack}`);
  }
  const reach = (reached[key] ??= { validated: 0, ok: 0 });
  if (result?.formError !== "Some fields are invalid") reach.validated++;
  if (result?.ok) reach.ok++;
  const what = `${key} as ${caller} ← ${JSON.stringify(value)?.slice(0, 300)} → ${JSON.stringify(result).slice(0, 300)}`;
  expect(typeof result?.ok, what).toBe("boolean");
  expect(result.ok ? "" : (result.formError ?? ""), what).not.toMatch(/Internal error/);
  expect(Object.getOwnPropertyNames(Object.prototype).sort().join(), `${what}: Object.prototype polluted`).toBe(cleanObjectProto);
  const changed = changedTables(before, await snapshotRows(db));
  if (!result.ok) expect(changed, `${what}: a refused action wrote`).toEqual([]);
  if (caller === "anonymous") expect(result.ok, what).toBe(false);
  if (caller === "member" && !NOT_ORG_SCOPED.has(key))
    expect(
      changed.filter((t) => t !== "inbox_items"),
      `${what}: a member changed org data`,
    ).toEqual([]);
  const org = (value as { org?: unknown } | null)?.org;
  if (caller === "another org's owner" && org !== b.slug && !NOT_ORG_SCOPED.has(key))
    expect(changed, `${what}: another org's owner changed this org`).toEqual([]);
  if (changed.length) await freshWithMember();
}

describe("server actions with fuzzed input", () => {
  it("are found", () => {
    expect(actions.length).toBeGreaterThan(20);
  });

  describe.each(actions.map((x) => [x.key, x] as const))("%s", (key, { fn }) => {
    it.each(Object.keys(callers).map((c) => [c] as const))(
      "as %s: a result (never a throw or an internal error), and no write it may not make",
      async (caller) => {
        await freshWithMember();
        await fc.assert(
          fc.asyncProperty(input, async (value) => {
            await callAction(key, fn, caller as keyof typeof callers, value);
          }),
          { numRuns: RUNS },
        );
      },
    );
  });
});
