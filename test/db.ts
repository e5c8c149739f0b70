import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { closeDb, engineOf, openPostgres, openSqlite, setDb, sqliteOf, type Db } from "@/db/client";
import { memberships, orgs, users, type OrgRole } from "@/db/schema";
import { databaseEngine } from "@/lib/env";
import { newId } from "@/lib/ids";

/**
 * A fresh, migrated database, made the process's database: a SQLite file in a
 * temp dir, or — when the suite runs on PostgreSQL (`npm run test:unit:postgres`,
 * test/vitest-postgres-setup.ts) — a new database on the throw-away cluster,
 * copied from the migrated template (a few ms).
 */
export async function testDb(): Promise<Db> {
  const db =
    databaseEngine() === "postgres"
      ? await freshPostgresDatabase()
      : openSqlite(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "herald-test-")), "herald.db"));
  setDb(db);
  return db;
}

let counter = 0;

async function freshPostgresDatabase(): Promise<Db> {
  const admin = process.env.HERALD_TEST_PG_ADMIN_URL;
  if (!admin) throw new Error("HERALD_TEST_PG_ADMIN_URL is unset: run the suite through test/vitest-postgres-setup.ts");
  const name = `herald_t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const server = openPostgres(admin, { pool: 1 });
  try {
    await server.execute(sql.raw(`CREATE DATABASE ${name} TEMPLATE herald_template`));
  } finally {
    await closeDb(server);
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return openPostgres(url.toString(), { pool: 4 });
}

/** Closes a test database (a pool on PostgreSQL keeps the process alive otherwise); a SQLite one's temp dir goes with it. */
export async function closeTestDb(db: Db) {
  setDb(undefined);
  const file = engineOf(db) === "sqlite" ? sqliteOf(db).name : undefined;
  await closeDb(db);
  // A suite run made ~800 of them (0.5 MB each), and /tmp kept every one.
  const dir = file && path.dirname(file);
  if (dir && path.basename(dir).startsWith("herald-test-") && path.dirname(dir) === os.tmpdir()) fs.rmSync(dir, { recursive: true, force: true });
}

export const onPostgres = () => databaseEngine() === "postgres";

/** An org with one member per given role (no passwords: tests act through the domain functions). */
export async function seedOrg(db: Db, slug = "acme", roles: OrgRole[] = ["owner"]) {
  const org = { id: newId("org"), slug, name: slug.toUpperCase() };
  await db.insert(orgs).values(org);
  const members = [];
  for (const [i, role] of roles.entries()) {
    const user = { id: newId("usr"), email: `${role}${i}@${slug}.test` };
    await db.insert(users).values(user);
    await db.insert(memberships).values({ orgId: org.id, userId: user.id, role });
    members.push({ ...user, role });
  }
  return { org, members };
}
