import { and, count, desc, eq, inArray, isNull, isNotNull, type SQL } from "drizzle-orm";
import { changedRows, type DbOrTx } from "@/db/client";
import { events, inboxItems, products, type Severity } from "@/db/schema";

const INBOX_PAGE_SIZE = 50;

export type InboxFilter = { severity?: Severity; product?: string; state?: "unread" | "read"; page?: number };

export async function unreadCount(db: DbOrTx, orgId: string, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(inboxItems)
    .where(and(eq(inboxItems.orgId, orgId), eq(inboxItems.userId, userId), isNull(inboxItems.readAt)));
  return row?.n ?? 0;
}

/** One page of a member's in-app notifications, newest first. */
export async function listInbox(db: DbOrTx, orgId: string, userId: string, filter: InboxFilter = {}) {
  const where: SQL[] = [eq(inboxItems.orgId, orgId), eq(inboxItems.userId, userId)];
  if (filter.severity) where.push(eq(events.severity, filter.severity));
  if (filter.product) where.push(eq(products.slug, filter.product));
  if (filter.state === "unread") where.push(isNull(inboxItems.readAt));
  if (filter.state === "read") where.push(isNotNull(inboxItems.readAt));
  const page = Math.max(1, filter.page ?? 1);
  const rows = await db
    .select({
      id: inboxItems.id,
      readAt: inboxItems.readAt,
      createdAt: inboxItems.createdAt,
      eventId: events.id,
      type: events.type,
      severity: events.severity,
      title: events.title,
      occurredAt: events.occurredAt,
      isTest: events.isTest,
      product: products.slug,
    })
    .from(inboxItems)
    .innerJoin(events, eq(events.id, inboxItems.eventId))
    .leftJoin(products, eq(products.id, events.productId))
    .where(and(...where))
    .orderBy(desc(inboxItems.createdAt), desc(inboxItems.id))
    .limit(INBOX_PAGE_SIZE + 1)
    .offset((page - 1) * INBOX_PAGE_SIZE);
  return { items: rows.slice(0, INBOX_PAGE_SIZE), page, hasMore: rows.length > INBOX_PAGE_SIZE };
}

/** Marks the member's own items read or unread; ids of other people's items are ignored. */
export async function markInbox(db: DbOrTx, orgId: string, userId: string, ids: string[] | "all", read: boolean): Promise<number> {
  const where = [eq(inboxItems.orgId, orgId), eq(inboxItems.userId, userId)];
  if (ids !== "all") where.push(inArray(inboxItems.id, ids));
  return changedRows(
    await db
      .update(inboxItems)
      .set({ readAt: read ? new Date() : null })
      .where(and(...where)),
  );
}
