import { describe, expect, it } from "vitest";
import { newId } from "./ids";

describe("newId", () => {
  it("is the prefix and 16 URL-safe characters", () => {
    expect(newId("evt")).toMatch(/^evt_[A-Za-z0-9_-]{16}$/);
  });

  it("never repeats, even for ids made in the same millisecond", () => {
    const ids = Array.from({ length: 50_000 }, () => newId("dlv"));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sorts by creation time (so SQLite appends new keys to its indexes)", async () => {
    const earlier = Array.from({ length: 100 }, () => newId("att"));
    await new Promise((r) => setTimeout(r, 5));
    const later = Array.from({ length: 100 }, () => newId("att"));
    expect(later.every((id) => earlier.every((e) => id > e))).toBe(true);
  });
});
