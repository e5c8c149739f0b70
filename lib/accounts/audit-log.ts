import { and, count, desc, eq, sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { engineOf, type DbOrTx } from "@/db/client";
import { auditEntries } from "@/db/schema";

const AUDIT_PAGE_SIZE = 50;

export type AuditFilter = { action?: string; actor?: string; page?: number };

/** One page of the org's audit trail, newest first; `action` matches a prefix (`token.` finds every token change). */
export async function listAudit(db: DbOrTx, orgId: string, filter: AuditFilter = {}) {
  const where: SQL[] = [eq(auditEntries.orgId, orgId)];
  if (filter.action) where.push(likeText(db, auditEntries.action, `${escapeLike(filter.action)}%`));
  if (filter.actor) where.push(likeText(db, auditEntries.actorLabel, `%${escapeLike(filter.actor)}%`));
  const page = Math.max(1, filter.page ?? 1);
  const condition = and(...where);
  const [counted] = await db.select({ n: count() }).from(auditEntries).where(condition).limit(1);
  const total = counted?.n ?? 0;
  const rows = await db
    .select()
    .from(auditEntries)
    .where(condition)
    .orderBy(desc(auditEntries.createdAt), desc(auditEntries.id))
    .limit(AUDIT_PAGE_SIZE)
    .offset((page - 1) * AUDIT_PAGE_SIZE);
  return { rows, total, page, pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)) };
}

/**
 * LIKE with `\` as the escape character, ignoring ASCII case on both engines:
 * SQLite's LIKE ignores it and has no escape character unless told; PostgreSQL's
 * LIKE respects case, so it gets ILIKE.
 */
function likeText(db: DbOrTx, column: PgColumn, pattern: string): SQL {
  return engineOf(db) === "sqlite" ? sql`${column} LIKE ${pattern} ESCAPE '\\'` : sql`${column} ILIKE ${pattern} ESCAPE '\\'`;
}

function escapeLike(s: string) {
  return s.replace(/[%_\\]/g, (c) => `\\${c}`);
}
