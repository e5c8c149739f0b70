import { describe, expect, it } from "vitest";
import { nameSchema, slugify, slugSchema } from "./common";

describe("slugs", () => {
  it.each(["acme", "web-shop", "a", "0-day", "x".repeat(63)])("accepts %s", (s) => expect(slugSchema.safeParse(s).success).toBe(true));
  it.each(["", "-acme", "Acme", "web_shop", "web shop", "x".repeat(64), "é"])("refuses %j", (s) => expect(slugSchema.safeParse(s).success).toBe(false));
  it("derives slugs from names", () => {
    expect(slugify("Acme Corp.")).toBe("acme-corp");
    expect(slugify("  Ünïcödé  Shop ")).toBe("unicode-shop");
    expect(slugify("!!!")).toBe("org");
    expect(slugSchema.safeParse(slugify("x".repeat(100))).success).toBe(true);
  });
});

describe("names", () => {
  it("refuse control characters and keep unicode", () => {
    expect(nameSchema.safeParse("Acme\u0000").success).toBe(false);
    expect(nameSchema.safeParse("Ops\r\nBcc: x").success).toBe(false);
    expect(nameSchema.safeParse("Équipe 🚀").success).toBe(true);
  });
});
