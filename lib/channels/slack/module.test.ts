import { describe, expect, it } from "vitest";
import { HOSTILE, makeEvent, manyEvents, wideData } from "../testing/events";
import { renderSlackMessage, slack, SLACK_LIMITS, type SlackMessage } from "./module";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type TextObject = { type: string; text: string };
type Block = { type: string; text?: TextObject; fields?: TextObject[]; elements?: TextObject[] };

/** Every limit Slack documents for what we send. */
function expectWithinSlackLimits(message: SlackMessage) {
  const blocks = message.blocks as Block[];
  expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
  for (const block of blocks) {
    if (block.type === "header") expect(block.text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    if (block.type === "section" && block.text) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    if (block.fields) {
      expect(block.fields.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
      for (const f of block.fields) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
  }
  expect(JSON.stringify(message)).not.toMatch(LONE_SURROGATE);
}

describe("slack rendering", () => {
  it("sends one message per event", () => {
    const messages = slack.render({ type: "slack", settings: {}, secrets: {} }, manyEvents(25));
    expect(messages).toHaveLength(25);
    expect(messages.every((m) => m.kind === "http")).toBe(true);
  });

  it("carries title, type, severity, product, time, link and the data", () => {
    const message = renderSlackMessage(makeEvent());
    const json = JSON.stringify(message);
    for (const piece of [
      "Deployment 1 failed",
      "deployment.failed",
      "ERROR",
      "Shop",
      "2025-03-01T12:00:00Z",
      "https://herald.example/o/acme/events/evt_1",
      "environment",
      "production",
    ]) {
      expect(json).toContain(piece);
    }
    expect(message.text).toBe("[ERROR] Deployment 1 failed");
    expectWithinSlackLimits(message);
  });

  it("cuts a 10,000-character title to the header limit with a visible ellipsis", () => {
    const message = renderSlackMessage(makeEvent({ title: "T".repeat(10_000) }));
    const header = (message.blocks[0] as Block).text!.text;
    expect(header).toHaveLength(SLACK_LIMITS.header);
    expect(header.endsWith("…")).toBe(true);
    expect(message.text.endsWith("…")).toBe(true);
    expectWithinSlackLimits(message);
  });

  it("never splits an emoji when cutting", () => {
    const message = renderSlackMessage(makeEvent({ title: "🚀".repeat(5000), data: { note: "é🚀".repeat(3000) } }));
    expectWithinSlackLimits(message);
  });

  it("shows 40 of 60 data fields and says how many more there are", () => {
    const message = renderSlackMessage(makeEvent({ data: wideData(60, 3000) }));
    const blocks = message.blocks as Block[];
    const fields = blocks.flatMap((b) => b.fields ?? []);
    expect(fields).toHaveLength(40);
    expect(fields.every((f) => f.text.endsWith("…"))).toBe(true);
    expect(JSON.stringify(message)).toContain("… and 20 more data fields");
    expectWithinSlackLimits(message);
  });

  it("escapes event text so it cannot form links or mention anyone", () => {
    const message = renderSlackMessage(makeEvent({ title: HOSTILE, data: { note: HOSTILE } }));
    const mrkdwn = (message.blocks as Block[]).flatMap((b) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])]).filter((t) => t?.type === "mrkdwn");
    const all = mrkdwn.map((t) => t!.text).join("\n") + message.text;
    expect(all).not.toContain("<!channel>");
    expect(all).not.toContain("<@U123>");
    expect(all).toContain("&lt;!channel&gt;");
    expect(all).not.toMatch(/@(everyone|here)\b/);
    expect((message.blocks[0] as Block).text!.text).toContain("@\u200beveryone");
  });

  it("does not cut an escape sequence in half", () => {
    const message = renderSlackMessage(makeEvent({ data: { amp: "&".repeat(5000) } }));
    const field = (message.blocks as Block[]).flatMap((b) => b.fields ?? [])[0].text;
    expect(field).toMatch(/(&amp;)+…$/);
    expectWithinSlackLimits(message);
  });
});
