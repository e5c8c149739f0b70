import { and, count, desc, eq, like, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { auditEntries } from "@/db/schema";

export const AUDIT_PAGE_SIZE = 50;

export type AuditFilter = { action?: string; actor?: string; page?: number };

/** One page of the org's audit trail, newest first; `action` matches a prefix (`token.` finds every token change). */
export function listAudit(db: DbOrTx, orgId: string, filter: AuditFilter = {}) {
  const where: SQL[] = [eq(auditEntries.orgId, orgId)];
  if (filter.action) where.push(like(auditEntries.action, `${escapeLike(filter.action)}%`));
  if (filter.actor) where.push(like(auditEntries.actorLabel, `%${escapeLike(filter.actor)}%`));
  const page = Math.max(1, filter.page ?? 1);
  const condition = and(...where);
  const total = db.select({ n: count() }).from(auditEntries).where(condition).get()?.n ?? 0;
  const rows = db
    .select()
    .from(auditEntries)
    .where(condition)
    .orderBy(desc(auditEntries.createdAt))
    .limit(AUDIT_PAGE_SIZE)
    .offset((page - 1) * AUDIT_PAGE_SIZE)
    .all();
  return { rows, total, page, pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)) };
}

function escapeLike(s: string) {
  return s.replace(/[%_\\]/g, (c) => `\\${c}`);
}
