import type { Metadata } from "next";
import Link from "next/link";
import { db } from "@/db/client";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { FilterSelect } from "@/components/ui/filters";
import { SEVERITIES, type Severity } from "@/db/schema/values";
import { listProducts } from "@/lib/accounts/products";
import { authorizePage } from "@/lib/auth/page-guard";
import { listInbox } from "@/lib/inbox/queries";
import { InboxActions, MarkAllRead } from "./_components/inbox-actions";
import { utcTime } from "@/lib/format";

export const metadata: Metadata = { title: "Inbox" };

type Search = { severity?: string; product?: string; state?: string; page?: string };

const SEVERITY_TONE: Record<Severity, "slate" | "indigo" | "amber" | "red"> = {
  debug: "slate",
  info: "indigo",
  warning: "amber",
  error: "red",
  critical: "red",
  alert: "red",
};

export default async function InboxPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Search> }) {
  const { org } = await params;
  const search = await searchParams;
  const { principal, org: o } = await authorizePage(org, "org:read");
  const userId = principal.kind === "user" ? principal.userId : "";
  const severity = SEVERITIES.includes(search.severity as Severity) ? (search.severity as Severity) : undefined;
  const state = search.state === "unread" || search.state === "read" ? search.state : undefined;
  const page = Number(search.page) || 1;
  const { items, hasMore } = await listInbox(db(), o.id, userId, { severity, product: search.product || undefined, state, page });
  const products = await listProducts(db(), o.id);
  const query = (p: number) => new URLSearchParams({ ...search, page: String(p) } as Record<string, string>).toString();
  return (
    <>
      <PageHeader title="Inbox" description="Notifications sent to the console inbox channel, for you." actions={<MarkAllRead org={org} />} />
      <Card>
        <form className="mb-4 flex flex-wrap items-end gap-3" role="search">
          <FilterSelect label="Severity" name="severity" value={severity} options={SEVERITIES} />
          <FilterSelect label="Product" name="product" value={search.product} options={products.map((p) => ({ value: p.slug, label: p.name }))} />
          <FilterSelect label="Show" name="state" value={state} options={["unread", "read"]} anyLabel="all" />
          <button className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">Filter</button>
        </form>
        {items.length === 0 ? (
          <EmptyState>Nothing here. Rules that send to the console inbox channel put their notifications in this list.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Notifications">
            {items.map((item) => (
              <li key={item.id} className={`flex items-start gap-3 py-3 ${item.readAt ? "opacity-70" : ""}`} data-unread={!item.readAt || undefined}>
                <span
                  className={`mt-1.5 size-2 shrink-0 rounded-full ${item.readAt ? "bg-transparent" : "bg-indigo-600"}`}
                  role="img"
                  aria-label={item.readAt ? "read" : "unread"}
                />
                <div className="min-w-0 flex-1">
                  <Link href={`/o/${org}/events/${item.eventId}`} className="font-medium text-slate-900 hover:underline">
                    {item.title}
                  </Link>
                  <p className="mt-0.5 flex flex-wrap items-center gap-2 text-xs text-slate-500">
                    <Badge tone={SEVERITY_TONE[item.severity]}>{item.severity}</Badge>
                    {item.isTest && (
                      <span title="Sent by Send test alert">
                        <Badge>test</Badge>
                      </span>
                    )}
                    <code>{item.type}</code>
                    {item.product && <span>· {item.product}</span>}
                    <span>· {utcTime(item.occurredAt)}</span>
                    <Link href={`/o/${org}/events/${item.eventId}?snooze=1`} className="text-indigo-700 hover:underline">
                      · Snooze…
                    </Link>
                  </p>
                </div>
                <InboxActions org={org} id={item.id} read={!!item.readAt} />
              </li>
            ))}
          </ul>
        )}
        <nav aria-label="Pages" className="mt-4 flex justify-end gap-3 text-sm">
          {page > 1 && <Link href={`/o/${org}/inbox?${query(page - 1)}`}>← Newer</Link>}
          {hasMore && <Link href={`/o/${org}/inbox?${query(page + 1)}`}>Older →</Link>}
        </nav>
      </Card>
    </>
  );
}
