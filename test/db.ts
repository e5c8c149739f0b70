import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDb, setDb, type Db } from "@/db/client";
import { memberships, orgs, users, type OrgRole } from "@/db/schema";
import { newId } from "@/lib/ids";

/** A fresh, migrated SQLite file in a temp dir, made the process's database. */
export function testDb(): Db {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-test-"));
  const db = openDb(path.join(dir, "herald.db"));
  setDb(db);
  return db;
}

/** An org with one member per given role (no passwords: tests act through the domain functions). */
export function seedOrg(db: Db, slug = "acme", roles: OrgRole[] = ["owner"]) {
  const org = { id: newId("org"), slug, name: slug.toUpperCase() };
  db.insert(orgs).values(org).run();
  const members = roles.map((role, i) => {
    const user = { id: newId("usr"), email: `${role}${i}@${slug}.test` };
    db.insert(users).values(user).run();
    db.insert(memberships).values({ orgId: org.id, userId: user.id, role }).run();
    return { ...user, role };
  });
  return { org, members };
}
