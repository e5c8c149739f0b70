import { describe, expect, it } from "vitest";
import { can, type Principal } from "./permissions";

const user = (role: "owner" | "admin" | "member", productIds: string[] = []): Principal => ({
  kind: "user",
  userId: "u",
  email: "u@x.test",
  orgId: "o",
  role,
  productIds: new Set(productIds),
});
const token = (role: "admin" | "read" | "product-admin", productIds: string[] = []): Principal => ({
  kind: "token",
  tokenId: "t",
  name: "ci",
  orgId: "o",
  role,
  productIds: new Set(productIds),
});

describe("permissions", () => {
  it.each([
    ["owner", user("owner"), { read: true, configure: true, manage: true, product: true }],
    ["admin", user("admin"), { read: true, configure: true, manage: false, product: true }],
    ["member", user("member"), { read: true, configure: false, manage: false, product: false }],
    ["product admin of p1", user("member", ["p1"]), { read: true, configure: false, manage: false, product: true }],
    ["admin token", token("admin"), { read: true, configure: true, manage: false, product: true }],
    ["read token", token("read"), { read: true, configure: false, manage: false, product: false }],
    ["product-admin token of p1", token("product-admin", ["p1"]), { read: true, configure: false, manage: false, product: true }],
  ])("%s", (_name, p, expected) => {
    expect(can(p, "org:read")).toBe(expected.read);
    expect(can(p, "org:configure")).toBe(expected.configure);
    expect(can(p, "org:manage")).toBe(expected.manage);
    expect(can(p, "product:configure", "p1")).toBe(expected.product);
  });

  it("a product admin cannot configure another product", () => {
    expect(can(user("member", ["p1"]), "product:configure", "p2")).toBe(false);
    expect(can(user("member", ["p1"]), "product:configure")).toBe(false);
  });
});
