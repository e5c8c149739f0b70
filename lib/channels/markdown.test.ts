import { Parser, HtmlRenderer } from "commonmark";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderDiscordMessages } from "./discord/module";
import { markdownText } from "./format";
import { renderTeamsMessages } from "./teams/module";
import { HOSTILE, makeEvent } from "./testing/events";

/**
 * Event text must reach Discord and Teams as typed: rendered by the CommonMark
 * reference implementation (both receivers render a CommonMark subset), the
 * escaped text is one paragraph of plain text equal to what the producer sent.
 */
const parser = new Parser();
const html = new HtmlRenderer();
const rendered = (text: string) => html.render(parser.parse(text));
const unescapeHtml = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");

/** The text of a paragraph holding no markup, or null when the rendering formatted something. */
function plainText(text: string): string | null {
  // Paragraphs (a blank line starts one) and line breaks are layout, not markup.
  const out = rendered(text)
    .replace(/<\/?p>|<br \/>/g, "")
    .trim();
  return /</.test(out) ? null : unescapeHtml(out);
}

const markdownish = fc.stringMatching(/^[a-z0-9 *_~`|[\]()<>#+=.!:\/\\-]{0,40}$/);
const lines = fc.array(markdownish, { maxLength: 4 }).map((parts) => parts.join("\n"));

describe("markdown escaping (Discord, Teams)", () => {
  it("shows links, emphasis, headings, lists, quotes and code as typed", () => {
    for (const text of [
      "[click](http://evil.example)",
      "**bold**",
      "# Heading",
      "- item",
      "+ item",
      "12. item",
      "3) item",
      "> quote",
      "`code`",
      "_it_",
      "a\\*b",
      "title\n===",
      "title\n---",
    ]) {
      expect(plainText(markdownText(text, 1000)), text).toBe(text);
    }
  });

  it("leaves text that only looks like a marker alone", () => {
    for (const text of ["12.40 EUR", "-5 °C", "+1 more", "a = b"]) expect(markdownText(text, 100)).toBe(text);
  });

  it("any text of markdown characters renders as itself", () => {
    fc.assert(
      fc.property(lines, (text) => {
        // CommonMark folds a line's outer blanks and line breaks; compare what a reader sees.
        const seen = (s: string) =>
          s
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean)
            .join("\n");
        const shown = plainText(markdownText(text, 10_000));
        expect(shown === null ? null : seen(shown)).toBe(seen(text));
      }),
      { numRuns: 500 },
    );
  });

  it("Teams cards: title, product, type, data keys and values are escaped", () => {
    const [message] = renderTeamsMessages([
      makeEvent({ title: "# [click](http://evil.example) **bold**", type: "deploy.*_x_*", data: { "[k](http://k.example)": "- **v**" } }),
    ]);
    const texts: string[] = [];
    JSON.stringify(message, (key, value: unknown) => {
      if ((key === "text" || key === "title" || key === "value") && typeof value === "string" && !value.startsWith("[View in Herald]")) texts.push(value);
      return value;
    });
    for (const text of texts) expect(plainText(text), text).not.toBeNull();
    expect(texts).toContain("\\# \\[click\\]\\(http://evil.example\\) \\*\\*bold\\*\\*");
  });

  it("Discord: footers (which do not render markdown) are not escaped; blank fields are not sent blank", () => {
    const [message] = renderDiscordMessages([
      makeEvent({ org: { ...makeEvent().org, name: "Acme_Ops" }, title: HOSTILE, data: { "  ": "   ", blank: " \t " } }),
    ]);
    const [embed] = message.embeds;
    expect(embed.footer.text).toMatch(/^Acme_Ops · Herald/);
    for (const field of embed.fields) {
      expect(field.name.trim()).not.toBe("");
      expect(field.value.trim() || field.value).not.toBe("");
      expect(field.value).not.toMatch(/^\s+$/);
    }
  });
});
