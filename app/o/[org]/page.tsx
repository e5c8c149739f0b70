import type { Metadata } from "next";
import { db } from "@/db/client";
import { PageHeader } from "@/components/ui/card";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { orgOverview, type OverviewRange } from "@/lib/overview/org-overview";
import { DeliveriesPerHourCard, GettingStarted, LatestEventsCard, OverviewFigures, QueueCard, UnwellChannelsCard } from "./_components/overview-sections";

export const metadata: Metadata = { title: "Overview" };
export const dynamic = "force-dynamic";

/**
 * The org's landing page (issue #20 item 7): deliveries per hour by outcome,
 * the queue, the channels needing attention and the latest events, at a glance.
 * Every member may read it ("org:read"), as they may the events list and the
 * delivery log, which show every member all of the org's events and
 * deliveries; a product admin sees no more here than there.
 */
export default async function OrgOverviewPage({
  params,
  searchParams,
}: {
  params: Promise<{ org: string }>;
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const { org } = await params;
  const { range: given } = await searchParams;
  const { org: o, principal } = await authorizePage(org, "org:read");
  const range: OverviewRange = given === "7d" ? "7d" : "24h";
  const overview = await orgOverview(db(), o.id, { range });
  const now = overview.at;
  return (
    <>
      <PageHeader title="Overview" description={`${o.name}: what Herald delivered, what waits, and what needs attention.`} />
      <div className="space-y-6">
        {!overview.hasDeliveries && <GettingStarted org={org} canConfigure={can(principal, "org:configure")} />}
        <OverviewFigures perHour={overview.perHour} queue={overview.queue} unwell={overview.unwell.length} now={now} />
        <DeliveriesPerHourCard org={org} perHour={overview.perHour} />
        <div className="grid gap-6 lg:grid-cols-2">
          <UnwellChannelsCard org={org} channels={overview.unwell} now={now} />
          <QueueCard org={org} queue={overview.queue} now={now} />
        </div>
        <LatestEventsCard org={org} events={overview.latestEvents} />
      </div>
    </>
  );
}
