import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate as migrateSqlite } from "drizzle-orm/better-sqlite3/migrator";
import { describe, expect, it } from "vitest";
import { closeDb, openSqlite, setDb, sqliteOf, type Db } from "@/db/client";
import { checkCredentials } from "@/lib/auth/options";
import { sha256 } from "@/lib/ids";
import { acceptInvite, joinOrg } from "./members";
import { onPostgres } from "@/test/db";
import { orgsOfUser } from "./orgs";

/**
 * Migration 0003 brings data written before invitations carried their role
 * (issue #15, item 1) to the new model: a person who never set a password was
 * already a member everywhere they were added, and every org's link could set
 * their password. After it, they are invited (not members), only the oldest
 * link sets the password, and unused links of active accounts are gone.
 */

const MIGRATIONS = path.resolve("drizzle", "sqlite");

/** Applies the migrations of a folder to a SQLite handle (drizzle's own SQLite migrator). */
function migrate(db: Db, config: { migrationsFolder: string }) {
  migrateSqlite(db as unknown as BetterSQLite3Database, config);
}

/** A database migrated only up to `lastTag` (a copy of the journal that stops there). */
function databaseBefore(lastTag: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-migration-"));
  const folder = path.join(dir, "drizzle");
  fs.mkdirSync(path.join(folder, "meta"), { recursive: true });
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS, "meta/_journal.json"), "utf8")) as { entries: { tag: string }[] };
  const upTo = journal.entries.findIndex((e) => e.tag === lastTag);
  expect(upTo).toBeGreaterThanOrEqual(0);
  journal.entries = journal.entries.slice(0, upTo + 1);
  fs.writeFileSync(path.join(folder, "meta/_journal.json"), JSON.stringify(journal));
  for (const e of journal.entries) fs.copyFileSync(path.join(MIGRATIONS, `${e.tag}.sql`), path.join(folder, `${e.tag}.sql`));
  const db = openSqlite(path.join(dir, "herald.db"), { migrate: false });
  migrate(db, { migrationsFolder: folder });
  return db;
}

// A data migration of SQLite databases (PostgreSQL has had invitations since its first migration).
describe.skipIf(onPostgres())("migration 0003: pending members become invitations", () => {
  it("turns an old pending member into invitations, keeps one password link, and drops active accounts' old links", async () => {
    const db = databaseBefore("0001_deliveries_pending_index");
    const t = (minutes: number) => Date.UTC(2026, 0, 1, 0, minutes);
    const later = Date.now() + 7 * 24 * 3600 * 1000;
    const hashOfOwner = "$2b$11$abcdefghijklmnopqrstuuSxFyL4zLVfNn8rG3wG9D4J8yB7cJ2lW";
    sqliteOf(db).exec(`
      INSERT INTO orgs (id, slug, name, created_at) VALUES ('org_a', 'a', 'A', ${t(0)}), ('org_b', 'b', 'B', ${t(0)});
      INSERT INTO users (id, email, password_hash, created_at) VALUES
        ('usr_owner', 'owner@a.test', '${hashOfOwner}', ${t(0)}),
        ('usr_p', 'pending@a.test', NULL, ${t(1)}),
        ('usr_q', 'active@a.test', '${hashOfOwner}', ${t(1)}),
        ('usr_r', 'nolink@b.test', NULL, ${t(1)});
      INSERT INTO memberships (org_id, user_id, role, created_at) VALUES
        ('org_a', 'usr_owner', 'owner', ${t(0)}),
        ('org_a', 'usr_p', 'admin', ${t(1)}),
        ('org_b', 'usr_p', 'member', ${t(2)}),
        ('org_a', 'usr_q', 'member', ${t(1)}),
        ('org_b', 'usr_r', 'owner', ${t(1)});
      INSERT INTO invites (id, org_id, user_id, token_hash, expires_at, used_at, created_at) VALUES
        ('inv_pa', 'org_a', 'usr_p', '${sha256("link-of-a-for-p")}', ${later}, NULL, ${t(1)}),
        ('inv_pb', 'org_b', 'usr_p', '${sha256("link-of-b-for-p")}', ${later}, NULL, ${t(2)}),
        ('inv_q', 'org_a', 'usr_q', '${sha256("old-link-of-q")}', ${later}, NULL, ${t(1)});
      INSERT INTO products (id, org_id, slug, name, created_at) VALUES ('prd_a', 'org_a', 'shop', 'Shop', ${t(0)});
      INSERT INTO product_admins (product_id, user_id) VALUES ('prd_a', 'usr_p');
    `);
    migrate(db, { migrationsFolder: MIGRATIONS });
    setDb(db);

    const rows = (sql: string) => sqliteOf(db).prepare(sql).all();
    expect(rows("SELECT org_id, user_id, role FROM memberships ORDER BY org_id, user_id")).toEqual([
      { org_id: "org_a", user_id: "usr_owner", role: "owner" },
      { org_id: "org_a", user_id: "usr_q", role: "member" },
    ]);
    expect(rows("SELECT org_id, user_id, role, sets_password FROM invites WHERE used_at IS NULL ORDER BY user_id, org_id")).toEqual([
      { org_id: "org_a", user_id: "usr_p", role: "admin", sets_password: 1 },
      { org_id: "org_b", user_id: "usr_p", role: "member", sets_password: 0 },
      { org_id: "org_b", user_id: "usr_r", role: "owner", sets_password: 1 },
    ]);
    // R had no unused link: the invitation is listed with an expired one, for the owner to renew.
    expect(rows("SELECT expires_at <= strftime('%s','now') * 1000 AS expired FROM invites WHERE user_id = 'usr_r'")).toEqual([{ expired: 1 }]);
    expect(rows("SELECT * FROM product_admins")).toEqual([]);
    expect(rows("SELECT session_version FROM users WHERE id = 'usr_owner'")).toEqual([{ session_version: 0 }]);

    // The old links now behave like new ones: B's cannot set P's password, A's can and makes P an admin of A only.
    await expect(acceptInvite(db, "old-link-of-q", "a password for q!!")).rejects.toThrow(/invalid, expired or already used/);
    await expect(acceptInvite(db, "link-of-b-for-p", "the attacker's password")).rejects.toThrow(/does not set a password/);
    await acceptInvite(db, "link-of-a-for-p", "p's own password!");
    expect(await checkCredentials({ email: "pending@a.test", password: "p's own password!" })).not.toBeNull();
    expect((await orgsOfUser(db, "usr_p")).map((o) => [o.slug, o.role])).toEqual([["a", "admin"]]);
    expect(await joinOrg(db, "link-of-b-for-p", "usr_p")).toEqual({ org: "b" });
    expect((await orgsOfUser(db, "usr_p")).map((o) => [o.slug, o.role])).toEqual([
      ["a", "admin"],
      ["b", "member"],
    ]);
    setDb(undefined);
    await closeDb(db);
  });
});
