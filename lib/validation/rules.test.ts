import { describe, expect, it } from "vitest";
import { notificationConfigSchema } from "./notification-config";
import { productPreferencesSchema, severitiesFrom } from "./product-preferences";
import { rulePatchBodySchema, ruleSchema } from "./rules";

const base = { name: "Alerts", eventTypes: "all", channels: ["ch_1"] };
const fieldsOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((i) => i.path.join(".")).sort();

describe("rule bodies", () => {
  it("only Alert is checked unless severities are given; an immediate rule has no window", () => {
    expect(ruleSchema.parse(base)).toMatchObject({
      severities: ["alert"],
      mode: "immediate",
      digestMinutes: null,
      product: null,
      products: [],
      enabled: true,
      splitByProduct: false,
    });
    expect(ruleSchema.parse({ ...base, severities: ["alert", "debug", "alert"] }).severities.sort()).toEqual(["alert", "debug"]);
  });

  it("a digest takes a window of 1, 5, 15 or 60 minutes", () => {
    expect(ruleSchema.parse({ ...base, mode: "digest", digestMinutes: 15 }).digestMinutes).toBe(15);
    expect(ruleSchema.parse({ ...base, mode: "digest", digestMinutes: "60" }).digestMinutes).toBe(60);
    expect(fieldsOf(ruleSchema.safeParse({ ...base, mode: "digest", digestMinutes: 7 }))).toEqual(["digestMinutes"]);
  });

  it("names each wrong field: empty name, no channel, no event type, an unknown severity, a product rule restricted to products", () => {
    expect(fieldsOf(ruleSchema.safeParse({ name: " ", eventTypes: [], channels: [], severities: ["loud"] }))).toEqual([
      "channels",
      "eventTypes",
      "name",
      "severities.0",
    ]);
    expect(fieldsOf(ruleSchema.safeParse({ ...base, product: "shop", products: ["api"] }))).toEqual(["products"]);
    expect(fieldsOf(ruleSchema.safeParse({ ...base, mode: "weekly" }))).toEqual(["mode"]);
    expect(ruleSchema.safeParse({ ...base, eventTypes: [] }).error?.issues[0].message).toBe('pick at least one event type, or "all"');
    expect(ruleSchema.safeParse({ ...base, eventTypes: "some" }).error?.issues[0].message).toBe('must be "all" or a list of event type keys');
  });

  it("a patch names only known fields", () => {
    expect(rulePatchBodySchema.safeParse({ enabled: false }).success).toBe(true);
    expect(fieldsOf(rulePatchBodySchema.safeParse({ enabled: "no", colour: "red" }))).toEqual(["", "enabled"]);
  });

  it("the config takes whole rules (with or without ids); preferences take an event type, channels and a lowest severity", () => {
    expect(notificationConfigSchema.parse({ rules: [{ ...base, id: "rul_1" }] }).rules[0]).toMatchObject({ id: "rul_1", severities: ["alert"] });
    expect(fieldsOf(notificationConfigSchema.safeParse({ rules: [{ ...base, channels: [] }] }))).toEqual(["rules.0.channels"]);
    expect(productPreferencesSchema.parse({ preferences: [{ eventType: "deployment.failed", channels: [] }] }).preferences[0].minSeverity).toBe("debug");
    expect(severitiesFrom("error")).toEqual(["error", "critical", "alert"]);
  });
});
