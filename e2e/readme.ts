import fs from "node:fs";

/** The shell block of the README's "First steps": e2e/readme-first-steps.spec.ts runs it verbatim on a fresh server. */
export function firstStepsScript(readme = fs.readFileSync("README.md", "utf8")): string {
  const start = readme.indexOf("## First steps");
  const end = readme.indexOf("\n## ", start + 1);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start, end));
  if (start < 0 || !block) throw new Error("README.md: no shell block under ## First steps");
  return block[1];
}
