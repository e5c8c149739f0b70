import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, databaseEngine, loadEnv } from "./env";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "herald-env-"));

describe("environment", () => {
  it("needs no configuration: generates the auth secret and encryption key into the data dir with mode 0600", () => {
    const dir = path.join(tmp(), "nested", "data");
    const env = loadEnv({ HERALD_DATA_DIR: dir });
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe("127.0.0.1");
    expect(env.databasePath).toBe(path.join(dir, "herald.db"));
    expect(env.encryptionKey).toHaveLength(32);
    for (const file of ["auth-secret", "encryption-key"]) {
      expect(fs.statSync(path.join(dir, file)).mode & 0o777).toBe(0o600);
    }
    expect(env.HERALD_RETRY_SCHEDULE).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(env.HERALD_WORKER).toBe("inline");
    expect(env.database).toEqual({ engine: "sqlite", path: path.join(dir, "herald.db") });
    expect(env.HERALD_DB_POOL).toBe(10);
  });

  it("DATABASE_URL chooses the engine: a path or file:PATH is SQLite, postgres:// PostgreSQL", () => {
    const dir = tmp();
    expect(loadEnv({ HERALD_DATA_DIR: dir, DATABASE_URL: `${dir}/a.db` }).database).toEqual({ engine: "sqlite", path: path.join(dir, "a.db") });
    expect(loadEnv({ HERALD_DATA_DIR: dir, DATABASE_URL: `file:${dir}/b.db` }).database).toEqual({ engine: "sqlite", path: path.join(dir, "b.db") });
    for (const url of ["postgres://herald:pw@db.internal:5432/herald", "postgresql://herald@localhost/herald"]) {
      const env = loadEnv({ HERALD_DATA_DIR: dir, DATABASE_URL: url, HERALD_DB_POOL: "25" });
      expect(env.database).toEqual({ engine: "postgres", url });
      expect(env.HERALD_DB_POOL).toBe(25);
      expect(databaseEngine({ DATABASE_URL: url })).toBe("postgres");
    }
    expect(databaseEngine({})).toBe("sqlite");
    expect(databaseEngine({ DATABASE_URL: `file:${dir}/b.db` })).toBe("sqlite");
  });

  it("reuses the generated secrets on a second start", () => {
    const dir = tmp();
    const first = loadEnv({ HERALD_DATA_DIR: dir });
    const second = loadEnv({ HERALD_DATA_DIR: dir });
    expect(second.authSecret).toBe(first.authSecret);
    expect(second.encryptionKey.equals(first.encryptionKey)).toBe(true);
  });

  it("lets given values win over generated ones", () => {
    const dir = tmp();
    const key = Buffer.alloc(32, 7).toString("base64");
    const env = loadEnv({ HERALD_DATA_DIR: dir, AUTH_SECRET: "s".repeat(40), HERALD_ENCRYPTION_KEY: key, DATABASE_URL: `file:${dir}/other.db` });
    expect(env.authSecret).toBe("s".repeat(40));
    expect(env.encryptionKey.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(env.databasePath).toBe(path.join(dir, "other.db"));
    expect(fs.existsSync(path.join(dir, "encryption-key"))).toBe(false);
  });

  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["HOST", "every interface"],
    ["HERALD_WORKER", "sometimes"],
    ["HERALD_RETRY_SCHEDULE", "5,soon"],
    ["HERALD_ALLOW_PRIVATE_TARGETS", "yes"],
    ["HERALD_TRUST_PROXY", "yes"],
    ["HERALD_PUBLIC_URL", "not a url"],
    ["SMTP_URL", "http://mail"],
    ["AUTH_SECRET", "short"],
    ["HERALD_ENCRYPTION_KEY", "abc"],
    ["DATABASE_URL", "mysql://herald@localhost/herald"],
    ["HERALD_DB_POOL", "0"],
  ])("a wrong %s stops the start with a message naming it", (variable, value) => {
    const attempt = () => loadEnv({ HERALD_DATA_DIR: tmp(), [variable]: value });
    expect(attempt).toThrow(EnvError);
    expect(attempt).toThrow(variable);
  });

  it("trusts proxy headers only when HERALD_TRUST_PROXY is 1 or true", () => {
    expect(loadEnv({ HERALD_DATA_DIR: tmp() }).HERALD_TRUST_PROXY).toBe(false);
    expect(loadEnv({ HERALD_DATA_DIR: tmp(), HERALD_TRUST_PROXY: "1" }).HERALD_TRUST_PROXY).toBe(true);
    expect(loadEnv({ HERALD_DATA_DIR: tmp(), HERALD_TRUST_PROXY: "false" }).HERALD_TRUST_PROXY).toBe(false);
  });

  it("parses a custom retry schedule", () => {
    expect(loadEnv({ HERALD_DATA_DIR: tmp(), HERALD_RETRY_SCHEDULE: "1, 2,3" }).HERALD_RETRY_SCHEDULE).toEqual([1, 2, 3]);
  });
});
