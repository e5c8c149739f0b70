import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { apiTokens, loginThrottle } from "@/db/schema";
import { runSetup } from "@/lib/accounts/setup";
import { revokeToken } from "@/lib/accounts/tokens";
import { testDb } from "@/test/db";
import { SYSTEM_ACTOR } from "./permissions";
import { findLiveToken, insertApiToken } from "./api-tokens";
import { checkCredentials } from "./options";
import { FREE_FAILURES, lockSecondsAfter, lockedUntil } from "./throttle";

let db: Db;
let orgId: string;
beforeEach(async () => {
  db = testDb();
  orgId = (await runSetup(db, { orgName: "Acme", email: "owner@acme.test", password: "a long enough password", confirmPassword: "a long enough password" })).org.id;
});

describe("API tokens", () => {
  it("stores only a hash and finds the token by its value", () => {
    const { token, row } = insertApiToken(db, { orgId, name: "ci", role: "admin" });
    expect(token).toMatch(/^hrld_/);
    const stored = db.select().from(apiTokens).where(eq(apiTokens.id, row.id)).get()!;
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(findLiveToken(db, token)?.token.id).toBe(row.id);
    expect(findLiveToken(db, token + "x")).toBeNull();
  });

  it("an expired or revoked token is refused", () => {
    const expired = insertApiToken(db, { orgId, name: "old", role: "read", expiresAt: new Date(Date.now() - 1000) });
    expect(findLiveToken(db, expired.token)).toBeNull();
    const live = insertApiToken(db, { orgId, name: "ci", role: "admin" });
    revokeToken(db, orgId, SYSTEM_ACTOR, live.row.id);
    expect(findLiveToken(db, live.token)).toBeNull();
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
    expect(lockedUntil(db, "owner@acme.test")).not.toBeNull();
    expect(await checkCredentials({ email: "owner@acme.test", password: "a long enough password" })).toBeNull();
    // Once the lock has passed, the right password works and clears the counter.
    db.update(loginThrottle).set({ lockedUntil: new Date(Date.now() - 1) }).run();
    expect(await checkCredentials({ email: "owner@acme.test", password: "a long enough password" })).not.toBeNull();
    expect(db.select().from(loginThrottle).all()).toHaveLength(0);
  });
});
