import { describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { exampleText, payloadExamples, withExamples } from "./payload-examples";

// docs/payloads.md shows what the renderers really produce: every tagged block equals their output.
const PAGE = fs.readFileSync(path.join(import.meta.dirname, "payloads.md"), "utf8");
const blocks = Object.fromEntries([...PAGE.matchAll(/```\w+ herald-example=([\w-]+)\n([\s\S]*?)\n```/g)].map((m) => [m[1], m[2]]));

describe("docs/payloads.md", () => {
  it("has a block for every example, and no unknown ones", () => {
    expect(Object.keys(blocks).sort()).toEqual(Object.keys(payloadExamples()).sort());
  });

  for (const [name, value] of Object.entries(payloadExamples())) {
    it(`the ${name} example is the renderer's output (refresh with: npx tsx docs/payload-examples.ts --write)`, () => {
      expect(blocks[name]).toBe(exampleText(value));
      if (typeof value !== "string") expect(JSON.parse(blocks[name])).toEqual(JSON.parse(JSON.stringify(value)));
    });
  }

  it("would notice a stale example", () => {
    const stale = PAGE.replace('"severity": "error"', '"severity": "info"');
    expect(withExamples(stale)).toBe(PAGE);
    expect(stale).not.toBe(PAGE);
  });
});
