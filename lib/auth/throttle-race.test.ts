import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { auditEntries } from "@/db/schema";
import { runSetup } from "@/lib/accounts/setup";
import { closeTestDb, testDb } from "@/test/db";
import { checkCredentials } from "./options";

/**
 * Issue #15, item 2: the sign-in throttle under concurrency. A guess is
 * counted before its password is compared, so a burst for one e-mail gets
 * five hash comparisons and the rest — the right password among them — are
 * refused; and one client guessing many e-mails is limited by its address.
 */

const PASSWORD = "a long enough password";
let db: Db;
afterEach(() => closeTestDb(db));
beforeEach(async () => {
  db = await testDb();
  await runSetup(db, { orgName: "Acme", email: "owner@acme.test", password: PASSWORD, confirmPassword: PASSWORD });
});

const compared = async (label?: string) =>
  (
    await db
      .select()
      .from(auditEntries)
      .where(label ? and(eq(auditEntries.action, "signin.failed"), eq(auditEntries.actorLabel, label)) : eq(auditEntries.action, "signin.failed"))
  ).length;

describe("the sign-in throttle under concurrent guesses", () => {
  it("40 concurrent wrong passwords: five are compared, the right one sent in the burst is refused", async () => {
    const burst = Array.from({ length: 40 }, (_, i) => checkCredentials({ email: "owner@acme.test", password: `wrong ${i}` }, "192.0.2.1"));
    const right = checkCredentials({ email: "owner@acme.test", password: PASSWORD }, "192.0.2.2");
    const results = await Promise.all([...burst, right]);
    expect(results.filter(Boolean)).toEqual([]);
    expect(await compared("owner@acme.test")).toBeLessThanOrEqual(5);
  });

  it("one client guessing 60 different e-mails: at most 30 compared, then even a right password from it is refused", async () => {
    for (let i = 0; i < 60; i++) await checkCredentials({ email: `spray${i}@acme.test`, password: "wrong" }, "192.0.2.7");
    expect(await compared()).toBeLessThanOrEqual(30);
    expect(await checkCredentials({ email: "owner@acme.test", password: PASSWORD }, "192.0.2.7")).toBeNull();
    // Another client is not affected.
    expect(await checkCredentials({ email: "owner@acme.test", password: PASSWORD }, "192.0.2.8")).not.toBeNull();
  });

  it("a right password within the free attempts signs in and clears the e-mail's count", async () => {
    for (let i = 0; i < 3; i++) expect(await checkCredentials({ email: "owner@acme.test", password: "wrong" }, "192.0.2.9")).toBeNull();
    expect(await checkCredentials({ email: "owner@acme.test", password: PASSWORD }, "192.0.2.9")).not.toBeNull();
    for (let i = 0; i < 4; i++) await checkCredentials({ email: "owner@acme.test", password: "wrong" }, "192.0.2.9");
    expect(await checkCredentials({ email: "owner@acme.test", password: PASSWORD }, "192.0.2.9")).not.toBeNull();
  });
});
