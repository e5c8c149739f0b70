import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { closeDb, engineOf, openSqlite, postgresPoolOf, rowsOf, setDb, sqliteOf, type Db } from "@/db/client";
import { createChannel } from "@/lib/channels/service";
import { deliveries, users } from "@/db/schema";
import { createOrg } from "@/lib/accounts/create-org";
import { createProduct } from "@/lib/accounts/products";
import { revokeToken } from "@/lib/accounts/tokens";
import { insertApiToken } from "@/lib/auth/api-tokens";
import type { Actor } from "@/lib/auth/permissions";
import { ingestEvents } from "@/lib/events/ingest";
import { newId } from "@/lib/ids";
import { createRule } from "@/lib/rules/queries";
import { createNotification } from "@/lib/rules/product-notifications";
import { createSilence } from "@/lib/silences/silences";
import { silenceSchema } from "@/lib/validation/silences";
import { createChannelSchema } from "@/lib/validation/channels";
import { ruleSchema } from "@/lib/validation/rules";
import { closeTestDb, onPostgres, testDb } from "./db";
import { pathParams } from "./routes";

/**
 * Two organizations built with Herald's own domain functions, for the
 * generated hardening tests: in each, two products, a webhook channel (to a
 * loopback receiver), a rule, a product notification, an ingested event with
 * its deliveries, and API tokens of every role. Ids of one org used in the
 * other's URLs must be refused everywhere.
 */

export type SeededOrg = {
  id: string;
  slug: string;
  ownerId: string;
  /** The product named in product-scoped paths, and another one. */
  product: { id: string; slug: string };
  otherProduct: { id: string; slug: string };
  channelId: string;
  ruleId: string;
  notificationId: string;
  /** A pending silence pinned to `product` (it starts in 30 days, so it silences nothing the tests send). */
  silenceId: string;
  eventId: string;
  deliveryId: string;
  tokens: { admin: string; read: string; productAdmin: string; otherProductAdmin: string; revoked: string };
};

async function seedOrg(db: Db, name: string, hookUrl: string): Promise<SeededOrg> {
  const ownerId = newId("usr");
  const email = `owner@${name.toLowerCase().replace(/\W+/g, "-")}.test`;
  await db.insert(users).values({ id: ownerId, email });
  const actor: Actor = { type: "user", id: ownerId, label: email };
  const org = await createOrg(db, ownerId, actor, name);
  const product = await createProduct(db, org.id, actor, { name: `${name} Shop`, slug: `${org.slug}-shop` });
  const otherProduct = await createProduct(db, org.id, actor, { name: `${name} Blog`, slug: `${org.slug}-blog` });
  const channel = await createChannel(
    db,
    org.id,
    actor,
    createChannelSchema.parse({ type: "webhook", name: "Ops hook", url: hookUrl, auth: { method: "bearer", token: `bearer-of-${org.slug}` } }),
  );
  const rule = await createRule(
    db,
    org.id,
    actor,
    ruleSchema.parse({
      name: "Everything to ops",
      eventTypes: "all",
      severities: ["debug", "info", "warning", "error", "critical", "alert"],
      channels: [channel.id],
    }),
  );
  const notification = await createNotification(
    db,
    org.id,
    actor,
    { id: product.id, slug: product.slug, name: product.name },
    {
      type: "webhook",
      webhook_url: hookUrl,
      active: true,
      send_all_events: true,
      selected_events: [],
    },
  );
  const [event] = await ingestEvents(
    db,
    org.id,
    [{ id: `${org.slug}-deploy-1`, type: "deployment.failed", product: product.slug, title: "Deploy 1 failed", severity: "error" }],
    {
      indexed: false,
    },
  );
  const [delivery] = await db.select({ id: deliveries.id }).from(deliveries).where(eq(deliveries.orgId, org.id)).limit(1);
  if (!delivery) throw new Error("the seed event matched no rule: the hardening seed needs a delivery");
  const silence = await createSilence(
    db,
    org.id,
    { kind: "user", userId: ownerId, email, orgId: org.id, role: "owner", productIds: new Set() },
    actor,
    silenceSchema.parse({
      eventTypes: ["deployment.failed"],
      products: [product.slug],
      startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      duration: "1h",
      reason: "hardening seed",
    }),
  );
  const revoked = await insertApiToken(db, { orgId: org.id, name: "revoked", role: "admin" });
  await revokeToken(db, org.id, actor, revoked.row.id);
  return {
    id: org.id,
    slug: org.slug,
    ownerId,
    product: { id: product.id, slug: product.slug },
    otherProduct: { id: otherProduct.id, slug: otherProduct.slug },
    channelId: channel.id,
    ruleId: rule.id,
    notificationId: notification.id,
    silenceId: silence.id,
    eventId: event.id,
    deliveryId: delivery.id,
    tokens: {
      admin: (await insertApiToken(db, { orgId: org.id, name: "admin", role: "admin" })).token,
      read: (await insertApiToken(db, { orgId: org.id, name: "read", role: "read" })).token,
      productAdmin: (await insertApiToken(db, { orgId: org.id, name: "shop admin", role: "product-admin", productIds: [product.id] })).token,
      otherProductAdmin: (await insertApiToken(db, { orgId: org.id, name: "blog admin", role: "product-admin", productIds: [otherProduct.id] })).token,
      revoked: revoked.token,
    },
  };
}

async function seedTwoOrgs(db: Db, hookUrl: string): Promise<{ a: SeededOrg; b: SeededOrg }> {
  return { a: await seedOrg(db, "Org A", hookUrl), b: await seedOrg(db, "Org B", hookUrl) };
}

/** Herald's tables (drizzle's own migration table left out), by name. */
async function tableNames(db: Db): Promise<string[]> {
  if (engineOf(db) === "sqlite") {
    const rows = sqliteOf(db)
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name")
      .all() as { name: string }[];
    return rows.map((r) => r.name);
  }
  const rows = await rowsOf<{ name: string }>(
    db,
    sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '\_\_drizzle%' ORDER BY tablename`,
  );
  return rows.map((r) => r.name);
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Every row of every table, as text, for "nothing changed" checks. The one
 * write a refused request may make is a token's last-use time.
 */
export async function snapshotRows(db: Db): Promise<Map<string, string>> {
  const tables = await tableNames(db);
  const out = new Map<string, string>();
  const keep = (name: string, rows: Record<string, unknown>[]) => {
    if (name === "api_tokens") for (const r of rows) delete r.last_used_at;
    out.set(name, JSON.stringify(rows.map((r) => JSON.stringify(r)).sort()));
  };
  if (engineOf(db) === "sqlite") {
    const sqlite = sqliteOf(db);
    for (const name of tables) keep(name, sqlite.prepare(`SELECT * FROM ${quoted(name)}`).all() as Record<string, unknown>[]);
    return out;
  }
  // One round trip: each table's rows as a JSON array, in one row.
  const [row] = await rowsOf<Record<string, Record<string, unknown>[]>>(
    db,
    sql.raw(`SELECT ${tables.map((name) => `(SELECT coalesce(json_agg(t), '[]'::json) FROM ${quoted(name)} t) AS ${quoted(name)}`).join(", ")}`),
  );
  for (const name of tables) keep(name, row[name]);
  return out;
}

/** Names of the tables whose rows differ between two snapshots. */
export function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((t) => before.get(t) !== after.get(t));
}

/**
 * The two orgs seeded once; `fresh()` hands out the seeded state again (made
 * the process's database), so one case's writes never decide another's. On
 * SQLite: a copy of the seeded template file per case. On PostgreSQL: one
 * database whose seeded rows are kept in a schema of their own and put back in
 * place in one transaction per case (a few ms; a new database from a template
 * costs ~70 ms, and these suites ask for hundreds).
 */
export async function seededTemplate(hookUrl: string) {
  return onPostgres() ? seededPostgres(await testDb(), hookUrl) : seededSqlite(hookUrl);
}

async function seededSqlite(hookUrl: string) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "herald-hardening-"));
  const template = path.join(work, "template.db");
  const db = openSqlite(template);
  setDb(db);
  const seed = await seedTwoOrgs(db, hookUrl);
  await closeDb(db);
  let current: Db | undefined;
  let copies = 0;
  return {
    seed,
    async fresh(): Promise<Db> {
      if (current) await closeDb(current);
      const file = path.join(work, `case-${copies++}.db`);
      fs.copyFileSync(template, file);
      current = openSqlite(file, { migrate: false });
      setDb(current);
      return current;
    },
    async close() {
      if (current) await closeDb(current);
      current = undefined;
      setDb(undefined);
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

const SEED_SCHEMA = "herald_seed";

async function seededPostgres(db: Db, hookUrl: string) {
  const seed = await seedTwoOrgs(db, hookUrl);
  const tables = await tableNames(db);
  // Parents before children, so the rows go back in without breaking a foreign key.
  const references = await rowsOf<{ child: string; parent: string }>(
    db,
    sql`SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
        JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
        WHERE k.contype = 'f' AND k.connamespace = 'public'::regnamespace`,
  );
  const ordered: string[] = [];
  const visit = (table: string, path: string[] = []) => {
    if (ordered.includes(table) || path.includes(table)) return;
    for (const { child, parent } of references) if (child === table && parent !== table) visit(parent, [...path, table]);
    ordered.push(table);
  };
  tables.forEach((t) => visit(t));
  const pool = postgresPoolOf(db);
  await pool.query(
    [`CREATE SCHEMA ${SEED_SCHEMA}`, ...ordered.map((t) => `CREATE TABLE ${SEED_SCHEMA}.${quoted(t)} AS TABLE public.${quoted(t)}`)].join(";\n"),
  );
  const restore = [
    "BEGIN",
    ...[...ordered].reverse().map((t) => `DELETE FROM public.${quoted(t)}`),
    ...ordered.map((t) => `INSERT INTO public.${quoted(t)} SELECT * FROM ${SEED_SCHEMA}.${quoted(t)}`),
    "COMMIT",
  ].join(";\n");
  return {
    seed,
    async fresh(): Promise<Db> {
      await pool.query(restore);
      setDb(db);
      return db;
    },
    async close() {
      await closeTestDb(db);
    },
  };
}

/** Request bodies known to be valid, where the endpoint object has no `example`. */
const VALID_BODIES: Record<string, (seed: SeededOrg) => unknown> = {
  "POST /api/v1/orgs/{org}/channels": () => ({ type: "inbox", name: "Hardening inbox" }),
  "PATCH /api/v1/orgs/{org}/channels/{id}": () => ({ name: "Renamed by hardening" }),
  "POST /api/v1/orgs/{org}/deliveries/replay": (s) => ({ channel: s.channelId, since: "2020-01-01T00:00:00Z" }),
  "POST /api/v2/notifications/webhooks/{org}": () => ({ name: "hardening", urls: [{ format: "raw", url: "https://hooks.example.com/hardening" }] }),
  "POST /api/v2/notifications/emailhooks/{org}": () => ({ name: "hardening", notified: [{ type: "email", target: "ops@example.com" }] }),
  "POST /api/v1/orgs/{org}/silences": (s) => ({ eventTypes: ["deployment.failed"], products: [s.product.slug], duration: "4h", reason: "hardening" }),
};

/** A body the operation accepts from org A's admin (or `{}` when nobody said what it is). */
export function validBodyOf(op: { op: string; endpoint?: { body?: unknown; example?: unknown } }, seed: SeededOrg): unknown {
  if (!op.endpoint?.body) return undefined;
  return VALID_BODIES[op.op]?.(seed) ?? structuredClone(op.endpoint.example) ?? {};
}

/** What a path parameter is filled with: `own`'s slug for {org}, ids taken from `ids`, chosen by the segment before the parameter. */
function paramValue(name: string, after: string, own: SeededOrg, ids: SeededOrg): string {
  if (name === "org") return own.slug;
  if (name === "product" || name === "app") return ids.product.slug;
  // A Clever Cloud hook's id is its channel's (the seed's channel is no hook: a 404 for those who may ask).
  if (name === "hook") return ids.channelId;
  const byCollection: Record<string, string> = {
    channels: ids.channelId,
    deliveries: ids.deliveryId,
    rules: ids.ruleId,
    events: ids.eventId,
    notifications: ids.notificationId,
    silences: ids.silenceId,
  };
  const value = byCollection[after];
  if (value === undefined) {
    throw new Error(`the hardening seed does not know what {${name}} after /${after}/ names: add it to paramValue in test/two-orgs.ts`);
  }
  return value;
}

export function paramsOf(routePath: string, own: SeededOrg, ids: SeededOrg = own): Record<string, string> {
  return Object.fromEntries(pathParams(routePath).map(({ name, after }) => [name, paramValue(name, after, own, ids)]));
}
