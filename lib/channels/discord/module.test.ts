import { describe, expect, it } from "vitest";
import { DISCORD_LIMITS, embedChars, renderDiscordMessages, type DiscordMessage } from "./module";
import { SEVERITY_COLOR } from "../format";
import { HOSTILE, makeEvent, manyEvents, wideData } from "../testing/events";

function expectWithinDiscordLimits(message: DiscordMessage) {
  expect(message.embeds.length).toBeGreaterThan(0);
  expect(message.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedsPerMessage);
  expect(message.embeds.reduce((n, e) => n + embedChars(e), 0)).toBeLessThanOrEqual(DISCORD_LIMITS.charsPerMessage);
  expect(message.allowed_mentions).toEqual({ parse: [] });
  for (const embed of message.embeds) {
    expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(embed.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    expect(embed.footer.text.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
    for (const f of embed.fields) {
      expect(f.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
      expect(f.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
      expect(f.value.length).toBeGreaterThan(0);
    }
  }
}

describe("discord rendering", () => {
  it("puts one embed per event, coloured by severity", () => {
    const [message] = renderDiscordMessages([makeEvent({ severity: "info" }), makeEvent({ severity: "critical" }, 2)]);
    expect(message.embeds.map((e) => e.color)).toEqual([SEVERITY_COLOR.info, SEVERITY_COLOR.critical]);
    expect(message.embeds[0]).toMatchObject({
      title: "Deployment 1 failed",
      url: "https://herald.example/o/acme/events/evt_1",
      timestamp: "2025-03-01T12:00:00.000Z",
    });
    expectWithinDiscordLimits(message);
  });

  it("splits 25 events into messages of at most 10 embeds, losing none", () => {
    const messages = renderDiscordMessages(manyEvents(25));
    expect(messages.length).toBeGreaterThanOrEqual(3);
    expect(messages.flatMap((m) => m.embeds.map((e) => e.title))).toEqual(manyEvents(25).map((e) => e.title));
    messages.forEach(expectWithinDiscordLimits);
  });

  it("splits by the 6,000-character total when embeds are large", () => {
    const events = manyEvents(10, { data: wideData(24, 1500) });
    const messages = renderDiscordMessages(events);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.flatMap((m) => m.embeds)).toHaveLength(10);
    messages.forEach(expectWithinDiscordLimits);
  });

  it("cuts a 10,000-character title visibly and gives more of it in the description", () => {
    const [message] = renderDiscordMessages([makeEvent({ title: "T".repeat(10_000) })]);
    const embed = message.embeds[0];
    expect(embed.title).toHaveLength(DISCORD_LIMITS.title);
    expect(embed.title.endsWith("…")).toBe(true);
    expect(embed.description!.length).toBeGreaterThan(DISCORD_LIMITS.title);
    expect(embed.description!.endsWith("…")).toBe(true);
    expectWithinDiscordLimits(message);
  });

  it("shows what fits of 60 data fields and counts the rest", () => {
    const [message] = renderDiscordMessages([makeEvent({ data: wideData(60) })]);
    const fields = message.embeds[0].fields;
    expect(fields).toHaveLength(DISCORD_LIMITS.fields);
    expect(fields.at(-1)).toEqual({ name: "…", value: "39 more data fields, shown in Herald" });
    expectWithinDiscordLimits(message);
  });

  it("handles unicode without breaking characters", () => {
    const [message] = renderDiscordMessages([makeEvent({ title: "ünïcødé 🚀".repeat(200), data: { emoji: "🎉".repeat(2000) } })]);
    expect(JSON.stringify(message)).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expectWithinDiscordLimits(message);
  });

  it("neutralises mentions and markdown in event text", () => {
    const [message] = renderDiscordMessages([makeEvent({ title: HOSTILE, data: { note: HOSTILE } })]);
    const json = JSON.stringify(message.embeds);
    expect(json).not.toMatch(/@(everyone|here)\b/);
    expect(json).not.toContain("<@U123>");
    expect(message.embeds[0].title).toContain("\\[click\\]\\(https://evil.example\\)");
    expect(message.allowed_mentions.parse).toEqual([]);
  });
});
