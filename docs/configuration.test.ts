import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";

// docs/configuration.md describes every environment variable lib/env.ts reads (its zod schema's keys).
const root = path.join(import.meta.dirname, "..");
const envSource = fs.readFileSync(path.join(root, "lib/env.ts"), "utf8");
const schemaBody = /const rawSchema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(envSource)?.[1] ?? "";
const variables = [...schemaBody.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]);
const page = fs.readFileSync(path.join(import.meta.dirname, "configuration.md"), "utf8");
const documented = new Set([...page.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]));

describe("docs/configuration.md", () => {
  it("reads the variables from lib/env.ts", () => {
    expect(variables).toContain("HERALD_DATA_DIR");
    expect(variables.length).toBeGreaterThanOrEqual(14);
  });

  it("has a reference row for every variable Herald reads, and none it does not", () => {
    expect([...documented].sort()).toEqual([...variables].sort());
  });
});
