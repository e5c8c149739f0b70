import type { Db } from "@/db/client";
import { prepared } from "./claim";

/**
 * E-mail recipient groups, resolved when the message is sent (DESIGN §7.1) so
 * that a member added yesterday gets today's alert: `@owners` and `@admins`
 * are the org members with that role, `@product-admins` the admins of the
 * event's product.
 */
export function groupResolver(db: Db, orgId: string) {
  return (group: string, productSlug: string | null): string[] => {
    switch (group) {
      case "@owners":
      case "@admins": {
        const role = group === "@owners" ? "owner" : "admin";
        return (
          prepared(
            db.$client,
            `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE m.org_id = ? AND m.role = ? ORDER BY u.email`,
          ).all(orgId, role) as { email: string }[]
        ).map((r) => r.email);
      }
      case "@product-admins": {
        if (!productSlug) return [];
        return (
          prepared(
            db.$client,
            `SELECT u.email FROM products p
               JOIN product_admins pa ON pa.product_id = p.id
               JOIN users u ON u.id = pa.user_id
              WHERE p.org_id = ? AND p.slug = ? ORDER BY u.email`,
          ).all(orgId, productSlug) as { email: string }[]
        ).map((r) => r.email);
      }
      default:
        return [];
    }
  };
}
