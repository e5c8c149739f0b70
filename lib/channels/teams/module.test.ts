import { describe, expect, it } from "vitest";
import { messageBytes, renderTeamsMessages, TEAMS_MAX_BYTES, type TeamsMessage } from "./module";
import { makeEvent, manyEvents, wideData } from "../testing/events";

type Container = { type: string; items: { type: string; text?: string; facts?: { title: string; value: string }[] }[] };
const containers = (m: TeamsMessage) => m.attachments[0].content.body as Container[];
const titles = (m: TeamsMessage) => containers(m).map((c) => c.items[0].text);

function expectValidCard(m: TeamsMessage) {
  expect(m.type).toBe("message");
  expect(m.attachments).toHaveLength(1);
  expect(m.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
  expect(m.attachments[0].content).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
  expect(messageBytes(m)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
}

describe("teams rendering", () => {
  it("renders an Adaptive Card 1.4 in attachments with the event's facts and data", () => {
    const [message] = renderTeamsMessages([makeEvent()]);
    expectValidCard(message);
    const json = JSON.stringify(message);
    for (const piece of [
      "Deployment 1 failed",
      "deployment.failed",
      "ERROR",
      "Shop",
      "2025-03-01T12:00:00Z",
      "environment",
      "production",
      "[View in Herald](https://herald.example/o/acme/events/evt_1)",
    ]) {
      expect(json).toContain(piece);
    }
  });

  it("keeps 25 small events in one card", () => {
    const messages = renderTeamsMessages(manyEvents(25));
    expect(messages).toHaveLength(1);
    expect(titles(messages[0])).toHaveLength(25);
    expectValidCard(messages[0]);
  });

  it("splits large batches into several cards, each under 28 KB, losing no event", () => {
    const events = manyEvents(25, { data: wideData(60, 3000) });
    const messages = renderTeamsMessages(events);
    expect(messages.length).toBeGreaterThan(1);
    messages.forEach(expectValidCard);
    expect(messages.flatMap(titles)).toEqual(events.map((e) => e.title));
  });

  it("fits one huge event by cutting its values visibly", () => {
    const [message, ...rest] = renderTeamsMessages([makeEvent({ title: "T".repeat(10_000), data: wideData(60, 10_000) })]);
    expect(rest).toHaveLength(0);
    expectValidCard(message);
    const [container] = containers(message);
    expect(container.items[0].text!.endsWith("…")).toBe(true);
    const dataFacts = container.items[2].facts!;
    expect(dataFacts.length).toBe(30);
    expect(dataFacts.every((f) => f.value.endsWith("…"))).toBe(true);
    expect(JSON.stringify(message)).toContain("… and 30 more data fields");
  });

  it("counts bytes, not characters, for multi-byte text", () => {
    const messages = renderTeamsMessages(manyEvents(5, { data: wideData(30, 2000) }).map((e) => ({ ...e, title: "🚀".repeat(3000) })));
    messages.forEach(expectValidCard);
    expect(JSON.stringify(messages)).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
