import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

/** The WCAG 2.1 A and AA rules of axe-core: what the accessibility gate holds the console to. */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/**
 * axe-core's violations on the page (or inside `include`, a CSS selector such as an open
 * dialog), one line each with the rule, its impact, what it asks for and every offending
 * element, so a failure can be fixed from the test's output alone.
 *
 * `label-content-name-mismatch` (WCAG 2.5.3, label in name) is still marked experimental in
 * axe 4.13 and so left out of a tag run: it is switched on by name, as issue #20 found it.
 */
export async function axeViolations(page: Page, include?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page }).options({ rules: { "label-content-name-mismatch": { enabled: true } } }).withTags(TAGS);
  const { violations } = await (include ? builder.include(include) : builder).analyze();
  return violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} [${v.nodes.length} element${v.nodes.length === 1 ? "" : "s"}]\n` +
      v.nodes.map((n) => `    ${n.target.join(" ")}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, " ").slice(0, 300)}` : ""}`).join("\n"),
  );
}
