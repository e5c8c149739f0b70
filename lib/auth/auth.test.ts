import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rowsOf, type Db } from "@/db/client";
import { apiTokens, loginThrottle } from "@/db/schema";
import { runSetup } from "@/lib/accounts/setup";
import { revokeToken } from "@/lib/accounts/tokens";
import { closeTestDb, testDb } from "@/test/db";
import { SYSTEM_ACTOR } from "./permissions";
import { findLiveToken, insertApiToken } from "./api-tokens";
import { checkCredentials } from "./options";
import { FREE_FAILURES, lockSecondsAfter, lockedUntil, reserveAttempt } from "./throttle";

let db: Db;
let orgId: string;
beforeEach(async () => {
  db = await testDb();
  orgId = (await runSetup(db, { orgName: "Acme", email: "owner@acme.test", password: "a long enough password", confirmPassword: "a long enough password" })).org
    .id;
});
afterEach(async () => {
  await closeTestDb(db);
});

describe("API tokens", () => {
  it("stores only a hash and finds the token by its value", async () => {
    const { token, row } = await insertApiToken(db, { orgId, name: "ci", role: "admin" });
    expect(token).toMatch(/^hrld_/);
    const [stored] = await db.select().from(apiTokens).where(eq(apiTokens.id, row.id));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect((await findLiveToken(db, token))?.token.id).toBe(row.id);
    expect(await findLiveToken(db, token + "x")).toBeNull();
    // The prepared lookup answers again (each call reuses it), for another token too.
    const other = await insertApiToken(db, { orgId, name: "other", role: "read" });
    expect((await findLiveToken(db, other.token))?.token.id).toBe(other.row.id);
    expect((await findLiveToken(db, token))?.org.id).toBe(orgId);
  });

  it("an expired or revoked token is refused", async () => {
    const expired = await insertApiToken(db, { orgId, name: "old", role: "read", expiresAt: new Date(Date.now() - 1000) });
    expect(await findLiveToken(db, expired.token)).toBeNull();
    const live = await insertApiToken(db, { orgId, name: "ci", role: "admin" });
    await revokeToken(db, orgId, SYSTEM_ACTOR, live.row.id);
    expect(await findLiveToken(db, live.token)).toBeNull();
  });
});

describe("sign-in", () => {
  it("accepts the right password and refuses a wrong one or an unknown e-mail", async () => {
    expect(await checkCredentials({ email: "OWNER@acme.test", password: "a long enough password" })).toMatchObject({ email: "owner@acme.test" });
    expect(await checkCredentials({ email: "owner@acme.test", password: "wrong" })).toBeNull();
    expect(await checkCredentials({ email: "nobody@acme.test", password: "a long enough password" })).toBeNull();
    expect(await checkCredentials({ email: 42 })).toBeNull();
  });

  it("after five failures an e-mail is locked for a growing time, even with the right password", async () => {
    expect([0, 4, 5, 6, 7, 30].map(lockSecondsAfter)).toEqual([0, 0, 30, 60, 120, 900]);
    for (let i = 0; i < FREE_FAILURES; i++) await checkCredentials({ email: "owner@acme.test", password: "wrong" });
    expect(await lockedUntil(db, "owner@acme.test")).not.toBeNull();
    expect(await checkCredentials({ email: "owner@acme.test", password: "a long enough password" })).toBeNull();
    // Once the lock has passed, the right password works and clears the counter.
    await db.update(loginThrottle).set({ lockedUntil: new Date(Date.now() - 1) });
    expect(await checkCredentials({ email: "owner@acme.test", password: "a long enough password" })).not.toBeNull();
    expect(await db.select().from(loginThrottle)).toHaveLength(0);
  });

  it("failures at the same moment each count, and the lock follows the count reached", async () => {
    const now = new Date();
    // Every pooled connection open first (PostgreSQL), so the attempts really overlap.
    await Promise.all(Array.from({ length: 4 }, () => rowsOf(db, sql`SELECT 1`)));
    const results = await Promise.all(Array.from({ length: FREE_FAILURES + 1 }, () => reserveAttempt(db, "owner@acme.test", FREE_FAILURES, now)));
    // The first five take their numbers; the sixth finds the e-mail locked by the fifth and is refused.
    expect(results.filter((n) => n !== null).sort((x, y) => x! - y!)).toEqual([1, 2, 3, 4, 5]);
    expect(results.filter((n) => n === null)).toHaveLength(1);
    const [row] = await db.select().from(loginThrottle).where(eq(loginThrottle.email, "owner@acme.test"));
    expect(row.failures).toBe(FREE_FAILURES);
    expect(row.lockedUntil?.getTime()).toBe(now.getTime() + lockSecondsAfter(FREE_FAILURES) * 1000);
  });
});
