import type { OrgRole, TokenRole } from "@/db/schema/values";

/**
 * Who is acting, within one org: a signed-in member or an API token. Every
 * server action, route handler and loader resolves one of these through
 * `authorize` before touching data.
 */
export type Principal =
  | {
      kind: "user";
      userId: string;
      email: string;
      orgId: string;
      role: OrgRole;
      /** Products this user administers in the org. */
      productIds: ReadonlySet<string>;
    }
  | {
      kind: "token";
      tokenId: string;
      name: string;
      orgId: string;
      role: TokenRole;
      productIds: ReadonlySet<string>;
    };

export type Permission =
  // Read settings, events and the delivery log.
  | "org:read"
  // Channels, org rules, products, API tokens, test alerts, event types, ingest.
  | "org:configure"
  // Members and roles, renaming or deleting the org: owners only.
  | "org:manage"
  // A product's rules, notifications and test alerts (needs a product id).
  | "product:configure";

export function can(p: Principal, permission: Permission, productId?: string): boolean {
  const configuresOrg = p.kind === "user" ? p.role === "owner" || p.role === "admin" : p.role === "admin";
  switch (permission) {
    case "org:read":
      return true;
    case "org:configure":
      return configuresOrg;
    case "org:manage":
      return p.kind === "user" && p.role === "owner";
    case "product:configure":
      return configuresOrg || (productId !== undefined && p.productIds.has(productId));
  }
}

/** A label for the audit log: who did it. */
export function actorOf(p: Principal): Actor {
  return p.kind === "user" ? { type: "user", id: p.userId, label: p.email } : { type: "token", id: p.tokenId, label: `token ${p.name}` };
}

export type Actor =
  | { type: "user" | "token"; id: string; label: string }
  | { type: "system"; id?: undefined; label: string }
  | { type: "anonymous"; id?: undefined; label: string };

export const SYSTEM_ACTOR: Actor = { type: "system", label: "herald" };
