import type { Metadata } from "next";
import { asc, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { channels, DELIVERY_STATUSES } from "@/db/schema";
import { Card, PageHeader } from "@/components/ui/card";
import { FilterInput, FilterSelect } from "@/components/ui/filters";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { retentionNotice } from "@/lib/retention/notice";
import { listDeliveries } from "@/lib/dispatch/delivery-log";
import { deliveryFiltersSchema } from "@/lib/validation/deliveries";
import { DeliveryLog } from "./_components/delivery-log";
import { ReplayForm } from "./_components/replay-form";

export const metadata: Metadata = { title: "Delivery log" };
export const dynamic = "force-dynamic";

type Search = Record<string, string | undefined>;
const FILTER_KEYS = ["status", "channel", "event", "product", "from", "to", "cursor"] as const;

export default async function DeliveriesPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Search> }) {
  const { org } = await params;
  const search = await searchParams;
  const { org: o, principal } = await authorizePage(org, "org:read");
  const canEdit = can(principal, "org:configure");

  // The console's filters are forgiving: a value the API would refuse is dropped, not an error page.
  const given = Object.fromEntries(FILTER_KEYS.filter((k) => search[k]).map((k) => [k, search[k]]));
  const parsed = deliveryFiltersSchema.safeParse(given);
  const filters = parsed.success ? parsed.data : deliveryFiltersSchema.parse({});
  const query = new URLSearchParams(Object.entries(parsed.success ? given : {}) as [string, string][]).toString();
  let initial: Awaited<ReturnType<typeof listDeliveries>>;
  try {
    initial = await listDeliveries(db(), o.id, filters);
  } catch {
    initial = { deliveries: [], nextCursor: null };
  }
  const notice = parsed.success ? await retentionNotice(db(), o.id, filters) : null;
  const channelOptions = await db()
    .select({ id: channels.id, name: channels.name, type: channels.type })
    .from(channels)
    .where(eq(channels.orgId, o.id))
    .orderBy(asc(channels.name), asc(channels.id));

  return (
    <>
      <PageHeader title="Delivery log" description="Every message Herald sent or will send, with each attempt. Refreshes every few seconds." />
      <div className="space-y-6">
        <Card>
          <form className="grid grid-cols-1 items-end gap-3 sm:grid-cols-2 md:grid-cols-4" role="search" aria-label="Filter deliveries">
            <FilterSelect label="Status" name="status" value={filters.status} options={DELIVERY_STATUSES} />
            <FilterSelect
              label="Channel"
              name="channel"
              value={filters.channel}
              options={channelOptions.map((c) => ({ value: c.id, label: `${c.name} (${c.type})` }))}
            />
            <FilterInput label="Event id" name="event" value={filters.event} placeholder="evt_…" />
            <FilterInput label="Product (slug)" name="product" value={filters.product} placeholder="shop" />
            <FilterInput label="From (UTC, ISO)" name="from" value={filters.from} placeholder="2026-01-31T00:00:00Z" />
            <FilterInput label="To (UTC, ISO)" name="to" value={filters.to} placeholder="2026-02-01T00:00:00Z" />
            <div className="flex gap-2">
              <button className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">Filter</button>
              <a href={`/o/${org}/deliveries`} className="px-2 py-2 text-sm text-slate-600">
                Clear
              </a>
            </div>
          </form>
          {!parsed.success && (
            <p role="status" className="mt-3 text-sm text-amber-700">
              Some filters were not understood and are ignored: {parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}
            </p>
          )}
          {notice && (
            <p role="status" className="mt-3 text-sm text-amber-700">
              {notice}
            </p>
          )}
        </Card>
        {canEdit && channelOptions.length > 0 && <ReplayForm org={org} channels={channelOptions} />}
        <DeliveryLog org={org} query={query} initial={initial} canEdit={canEdit} />
      </div>
    </>
  );
}
