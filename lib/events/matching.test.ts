import { describe, expect, it } from "vitest";
import { SEVERITIES } from "@/db/schema/values";
import { digestSlot, matchTargets, missedCriteria, type MatchableRule } from "./matching";

const rule = (over: Partial<MatchableRule> & { id: string }): MatchableRule => ({
  productId: null,
  productFilter: [],
  eventTypes: "all",
  severities: [...SEVERITIES],
  mode: "immediate",
  digestMinutes: null,
  splitByProduct: false,
  channelIds: ["ch_a"],
  ...over,
});
const ev = (type: string, severity: (typeof SEVERITIES)[number], productId: string | null = null) => ({ type, severity, productId });
const channelsOf = (rules: MatchableRule[], event: ReturnType<typeof ev>) =>
  matchTargets(rules, event)
    .map((t) => t.channelId)
    .sort();

describe("matching: scope × type × severity", () => {
  const table: [string, MatchableRule, ReturnType<typeof ev>, boolean][] = [
    ["org rule sees an org event", rule({ id: "r" }), ev("billing.credits_low", "warning"), true],
    ["org rule sees a product event", rule({ id: "r" }), ev("deployment.failed", "error", "p1"), true],
    ["org rule restricted to p1 sees p1", rule({ id: "r", productFilter: ["p1"] }), ev("deployment.failed", "error", "p1"), true],
    ["org rule restricted to p1 skips p2", rule({ id: "r", productFilter: ["p1"] }), ev("deployment.failed", "error", "p2"), false],
    ["org rule restricted to p1 skips org events", rule({ id: "r", productFilter: ["p1"] }), ev("billing.credits_low", "warning"), false],
    ["product rule sees its product", rule({ id: "r", productId: "p1" }), ev("deployment.failed", "error", "p1"), true],
    ["product rule never sees another product", rule({ id: "r", productId: "p1" }), ev("deployment.failed", "error", "p2"), false],
    ["product rule never sees org events", rule({ id: "r", productId: "p1" }), ev("billing.credits_low", "warning"), false],
    ["listed type matches", rule({ id: "r", eventTypes: ["deployment.failed"] }), ev("deployment.failed", "error", "p1"), true],
    ["unlisted type does not", rule({ id: "r", eventTypes: ["deployment.failed"] }), ev("deployment.succeeded", "info", "p1"), false],
    ["listed severity matches", rule({ id: "r", severities: ["alert"] }), ev("log.entry", "alert"), true],
    ["unlisted severity does not", rule({ id: "r", severities: ["alert"] }), ev("log.entry", "critical"), false],
  ];
  it.each(table)("%s", (_name, r, event, matches) => {
    expect(matchTargets([r], event).length > 0).toBe(matches);
    // "What would match" explains a miss with the same rules ingest applies.
    expect(missedCriteria(r, event).length === 0).toBe(matches);
  });

  it("names every criterion an event misses", () => {
    const r = rule({ id: "r", productFilter: ["p1"], eventTypes: ["deployment.failed"], severities: ["alert"] });
    expect(missedCriteria(r, ev("deployment.failed", "error", "p1"))).toEqual(["severity"]);
    expect(missedCriteria(r, ev("deployment.succeeded", "info", "p2"))).toEqual(["product", "type", "severity"]);
  });
});

describe("matching: one channel per event", () => {
  it("a channel reached by two rules is sent to once", () => {
    const rules = [rule({ id: "r1", channelIds: ["ch_a", "ch_b"] }), rule({ id: "r2", channelIds: ["ch_b", "ch_c"] })];
    expect(channelsOf(rules, ev("log.entry", "info"))).toEqual(["ch_a", "ch_b", "ch_c"]);
  });

  it("immediate wins over digest, and a shorter window over a longer one", () => {
    const digest60 = rule({ id: "d60", mode: "digest", digestMinutes: 60 });
    const digest5 = rule({ id: "d5", mode: "digest", digestMinutes: 5 });
    const now = rule({ id: "now" });
    expect(matchTargets([digest60, now, digest5], ev("log.entry", "info"))).toEqual([expect.objectContaining({ ruleId: "now", mode: "immediate" })]);
    expect(matchTargets([digest60, digest5], ev("log.entry", "info"))).toEqual([expect.objectContaining({ ruleId: "d5" })]);
  });
});

describe("digest windows", () => {
  const target = { channelId: "ch", ruleId: "r", mode: "digest" as const, digestMinutes: 5, splitByProduct: false };
  it("events in one window share a key that closes at the window's end", () => {
    const a = digestSlot(target, "p1", Date.UTC(2026, 0, 1, 12, 0, 10));
    const b = digestSlot(target, "p2", Date.UTC(2026, 0, 1, 12, 4, 59));
    expect(a.key).toBe(b.key);
    expect(a.closesAt).toBe(Date.UTC(2026, 0, 1, 12, 5));
    expect(digestSlot(target, "p1", Date.UTC(2026, 0, 1, 12, 5)).key).not.toBe(a.key);
  });
  it("split by product keeps one digest per product", () => {
    const split = { ...target, splitByProduct: true };
    const at = Date.UTC(2026, 0, 1, 12, 1);
    expect(digestSlot(split, "p1", at).key).not.toBe(digestSlot(split, "p2", at).key);
  });
});
