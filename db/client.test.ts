import { describe, expect, it } from "vitest";
import { orgs } from "@/db/schema";
import { newId } from "@/lib/ids";
import { testDb } from "@/test/db";
import { openDb } from "./client";

describe("db.transaction", () => {
  it("holds the write lock from its start, so a transaction that reads first never meets SQLITE_BUSY when it writes", () => {
    const db = testDb();
    const other = openDb(db.$client.name, { migrate: false });
    other.$client.pragma("busy_timeout = 0");
    db.transaction((tx) => {
      tx.select().from(orgs).all();
      // Another connection (the dispatcher thread's, a worker's) cannot start writing meanwhile …
      expect(() => other.$client.prepare("BEGIN IMMEDIATE").run()).toThrow(/locked|busy/i);
      // … so this write, after a read, cannot be refused.
      tx.insert(orgs).values({ id: newId("org"), slug: "acme", name: "Acme" }).run();
    });
    expect(db.select().from(orgs).all()).toHaveLength(1);
    other.$client.close();
  });
});
