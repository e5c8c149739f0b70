import type { Metadata } from "next";
import Link from "next/link";
import { db } from "@/db/client";
import { SEVERITIES } from "@/db/schema/values";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { FilterInput, FilterSelect } from "@/components/ui/filters";
import { listProducts } from "@/lib/accounts/products";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { AppError } from "@/lib/errors";
import { orgCatalog } from "@/lib/events/catalog";
import { listEvents } from "@/lib/events/event-log";
import { eventFiltersSchema } from "@/lib/validation/event-log";
import { DeliveryCounts } from "./_components/delivery-counts";
import { EventTypesCard } from "./_components/event-types-card";
import { SeverityBadge } from "./_components/severity-badge";
import { utcTime } from "@/lib/format";

export const metadata: Metadata = { title: "Events" };
export const dynamic = "force-dynamic";

type Search = Record<string, string | undefined>;
const FILTER_KEYS = ["type", "product", "severity", "from", "to", "cursor"] as const;

/** Every stored event, newest first, filtered by type, product, severity and time, with the deliveries each produced. */
export default async function EventsPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Search> }) {
  const { org } = await params;
  const search = await searchParams;
  const { org: o, principal } = await authorizePage(org, "org:read");
  const database = db();

  // Forgiving filters: a value the API would refuse is dropped and named, not an error page.
  const given = Object.fromEntries(FILTER_KEYS.filter((k) => search[k]).map((k) => [k, search[k]]));
  const parsed = eventFiltersSchema.safeParse(given);
  const filters = parsed.success ? parsed.data : eventFiltersSchema.parse({});
  let page: Awaited<ReturnType<typeof listEvents>> = { events: [], nextCursor: null };
  let problem = parsed.success ? undefined : parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ");
  try {
    page = await listEvents(database, o.id, filters);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    problem = e.message;
  }
  const catalog = await orgCatalog(database, o.id);
  const products = await listProducts(database, o.id);
  const kept = new URLSearchParams(Object.entries(given).filter(([k]) => k !== "cursor") as [string, string][]);
  const older = page.nextCursor ? `/o/${org}/events?${new URLSearchParams([...kept, ["cursor", page.nextCursor]])}` : null;

  return (
    <>
      <PageHeader title="Events" description="What producers and Herald itself posted, newest first, with the deliveries each event produced." />
      <div className="space-y-6">
        <Card>
          <form className="grid grid-cols-2 items-end gap-3 md:grid-cols-3" role="search" aria-label="Filter events">
            <FilterSelect label="Type" name="type" value={filters.type} options={catalog.map((t) => t.key)} />
            <FilterSelect label="Product" name="product" value={filters.product} options={products.map((p) => ({ value: p.slug, label: p.name }))} />
            <FilterSelect label="Severity" name="severity" value={filters.severity} options={SEVERITIES} />
            <FilterInput label="Received from (UTC, ISO)" name="from" value={filters.from} placeholder="2026-01-31T00:00:00Z" />
            <FilterInput label="Received before (UTC, ISO)" name="to" value={filters.to} placeholder="2026-02-01T00:00:00Z" />
            <div className="flex gap-2">
              <button className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">Filter</button>
              <a href={`/o/${org}/events`} className="px-2 py-2 text-sm text-slate-600">
                Clear
              </a>
            </div>
          </form>
          {problem && (
            <p role="status" className="mt-3 text-sm text-amber-700">
              Some filters were not understood and are ignored: {problem}
            </p>
          )}
        </Card>

        <Card title="Events">
          {page.events.length === 0 ? (
            <EmptyState>No events match. Producers post them with POST /api/v1/events.</EmptyState>
          ) : (
            <table className="w-full text-left text-sm" aria-label="Events">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2">Received</th>
                  <th>Severity</th>
                  <th>Type</th>
                  <th>Product</th>
                  <th>Title</th>
                  <th>Deliveries</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {page.events.map((e) => (
                  <tr key={e.id} data-event={e.id}>
                    <td className="whitespace-nowrap py-2 pr-3 text-xs text-slate-500">{utcTime(e.receivedAt)}</td>
                    <td>
                      <SeverityBadge severity={e.severity} />
                    </td>
                    <td>
                      <code className="text-xs">{e.type}</code>
                    </td>
                    <td className="text-slate-600">{e.product ?? "—"}</td>
                    <td className="max-w-sm truncate">
                      <Link className="text-indigo-700 hover:underline" href={`/o/${org}/events/${e.id}`}>
                        {e.title}
                      </Link>
                      {e.isTest && <span className="ml-1 text-xs text-slate-500">(test)</span>}
                      {e.silencedBy && <span className="ml-1 text-xs text-amber-800">(silenced)</span>}
                    </td>
                    <td>
                      <DeliveryCounts counts={e.deliveryCounts} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="mt-3 flex justify-between text-sm">
            {filters.cursor ? (
              <Link className="text-indigo-700 hover:underline" href={`/o/${org}/events${kept.size ? `?${kept}` : ""}`}>
                ← Newest
              </Link>
            ) : (
              <span />
            )}
            {older && (
              <Link className="text-indigo-700 hover:underline" href={older}>
                Older events →
              </Link>
            )}
          </div>
        </Card>

        <EventTypesCard org={org} eventTypes={catalog} canEdit={can(principal, "org:configure")} />
      </div>
    </>
  );
}
