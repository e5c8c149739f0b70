import { and, count, desc, eq, inArray, isNull, isNotNull, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { events, inboxItems, products, type Severity } from "@/db/schema";

export const INBOX_PAGE_SIZE = 50;

export type InboxFilter = { severity?: Severity; product?: string; state?: "unread" | "read"; page?: number };

export function unreadCount(db: DbOrTx, orgId: string, userId: string): number {
  return (
    db
      .select({ n: count() })
      .from(inboxItems)
      .where(and(eq(inboxItems.orgId, orgId), eq(inboxItems.userId, userId), isNull(inboxItems.readAt)))
      .get()?.n ?? 0
  );
}

/** One page of a member's in-app notifications, newest first. */
export function listInbox(db: DbOrTx, orgId: string, userId: string, filter: InboxFilter = {}) {
  const where: SQL[] = [eq(inboxItems.orgId, orgId), eq(inboxItems.userId, userId)];
  if (filter.severity) where.push(eq(events.severity, filter.severity));
  if (filter.product) where.push(eq(products.slug, filter.product));
  if (filter.state === "unread") where.push(isNull(inboxItems.readAt));
  if (filter.state === "read") where.push(isNotNull(inboxItems.readAt));
  const page = Math.max(1, filter.page ?? 1);
  const rows = db
    .select({
      id: inboxItems.id,
      readAt: inboxItems.readAt,
      createdAt: inboxItems.createdAt,
      eventId: events.id,
      type: events.type,
      severity: events.severity,
      title: events.title,
      occurredAt: events.occurredAt,
      product: products.slug,
    })
    .from(inboxItems)
    .innerJoin(events, eq(events.id, inboxItems.eventId))
    .leftJoin(products, eq(products.id, events.productId))
    .where(and(...where))
    .orderBy(desc(inboxItems.createdAt))
    .limit(INBOX_PAGE_SIZE + 1)
    .offset((page - 1) * INBOX_PAGE_SIZE)
    .all();
  return { items: rows.slice(0, INBOX_PAGE_SIZE), page, hasMore: rows.length > INBOX_PAGE_SIZE };
}

/** Marks the member's own items read or unread; ids of other people's items are ignored. */
export function markInbox(db: DbOrTx, orgId: string, userId: string, ids: string[] | "all", read: boolean) {
  const where = [eq(inboxItems.orgId, orgId), eq(inboxItems.userId, userId)];
  if (ids !== "all") where.push(inArray(inboxItems.id, ids));
  return db.update(inboxItems).set({ readAt: read ? new Date() : null }).where(and(...where)).run().changes;
}
