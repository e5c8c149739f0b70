import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { db } from "@/db/client";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { authorizePage } from "@/lib/auth/page-guard";
import { AppError } from "@/lib/errors";
import { getEvent } from "@/lib/events/event-log";
import { SeverityBadge } from "../_components/severity-badge";
import { traceEvent } from "@/lib/rules/trace";
import { EventTraceCard } from "./_components/event-trace";
import { SnoozeEvent } from "./_components/snooze-event";
import { maySilence, silenceSummary } from "@/lib/silences/silences";
import { productBySlug } from "@/lib/accounts/products";
import { utcTime } from "@/lib/format";

export const metadata: Metadata = { title: "Event" };
export const dynamic = "force-dynamic";

const STATUS_TONE = { queued: "slate", sending: "indigo", delivered: "green", failed: "red", dead: "red" } as const;
const cell = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** One event: its fields, its data as a table, and every delivery it produced with its status. */
export default async function EventPage({
  params,
  searchParams,
}: {
  params: Promise<{ org: string; id: string }>;
  searchParams: Promise<{ snooze?: string }>;
}) {
  const { org, id } = await params;
  const { snooze } = await searchParams;
  const { principal, org: o } = await authorizePage(org, "org:read");
  let shown;
  try {
    shown = await getEvent(db(), o.id, id);
  } catch (e) {
    if (e instanceof AppError) notFound();
    throw e;
  }
  const { event, deliveries } = shown;
  const trace = await traceEvent(db(), o.id, id);
  const silence = event.silencedBy ? await silenceSummary(db(), o.id, event.silencedBy) : null;
  const productId = event.product ? (await productBySlug(db(), o.id, event.product)).id : null;
  const maySnooze = !event.isTest && maySilence(principal, productId ? [productId] : []);
  const fields: [string, React.ReactNode][] = [
    ["Id", <code key="id">{event.id}</code>],
    ["Type", <code key="type">{event.type}</code>],
    ["Severity", <SeverityBadge key="severity" severity={event.severity} />],
    ["Product", event.product ?? "— (organization event)"],
    ["Occurred", utcTime(event.occurredAt)],
    ["Received", utcTime(event.receivedAt)],
    ["Source", event.source ?? "—"],
    ["Producer id", event.producerId ? <code key="pid">{event.producerId}</code> : "—"],
  ];
  return (
    <>
      <PageHeader
        title={event.title}
        description={
          <Link className="text-indigo-700 hover:underline" href={`/o/${org}/events`}>
            ← All events
          </Link>
        }
      />
      <div className="space-y-6">
        <Card title="Event">
          <dl className="grid grid-cols-[10rem_1fr] gap-y-1.5 text-sm">
            {fields.map(([label, value]) => (
              <div key={label} className="contents">
                <dt className="text-slate-500">{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          {event.isTest && <p className="mt-2 text-xs text-slate-500">A test alert.</p>}
          {silence && (
            <p className="mt-3 text-sm" data-testid="silenced-by">
              <Badge tone="amber">silenced</Badge>{" "}
              <Link className="text-indigo-700 hover:underline" href={`/o/${org}/silences`}>
                “{silence.reason}”
              </Link>{" "}
              <span className="text-slate-500">
                by {silence.createdBy}, until {utcTime(silence.endsAt)}: kept from one or more channels (see below).
              </span>
            </p>
          )}
          {maySnooze && (
            <div className="mt-4 border-t border-slate-100 pt-3">
              <SnoozeEvent org={org} eventId={event.id} focus={snooze === "1"} />
            </div>
          )}
        </Card>
        <Card title="Data">
          {Object.keys(event.data).length === 0 ? (
            <EmptyState>The event carries no data.</EmptyState>
          ) : (
            <table className="w-full text-left text-sm" aria-label="Event data">
              <tbody className="divide-y divide-slate-100">
                {Object.entries(event.data).map(([key, value]) => (
                  <tr key={key}>
                    <th className="w-48 py-1.5 pr-4 font-medium text-slate-600">{key}</th>
                    <td className="break-all font-mono text-xs">{cell(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card
          title={`Deliveries (${deliveries.length})`}
          actions={
            deliveries.length > 0 && (
              <Link className="text-sm text-indigo-700 hover:underline" href={`/o/${org}/deliveries?event=${encodeURIComponent(event.id)}`}>
                Open in the delivery log →
              </Link>
            )
          }
        >
          {deliveries.length === 0 ? (
            <EmptyState>
              It produced no delivery:{" "}
              <a className="text-indigo-700 hover:underline" href="#trace">
                why, rule by rule
              </a>
              .
            </EmptyState>
          ) : (
            <table className="w-full text-left text-sm" aria-label="Deliveries">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2">Channel</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Created</th>
                  <th>Next attempt / delivered</th>
                  <th>Last error</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {deliveries.map((d) => (
                  <tr key={d.id} data-delivery={d.id}>
                    <td className="py-2">
                      {d.channel.name} <span className="text-xs text-slate-500">({d.channel.type})</span>
                    </td>
                    <td>
                      <Badge tone={STATUS_TONE[d.status]}>{d.status}</Badge>
                      {d.collecting && <span className="ml-1 text-xs text-slate-500">digest collecting</span>}
                    </td>
                    <td>{d.attemptCount}</td>
                    <td className="text-xs text-slate-500">{utcTime(d.createdAt)}</td>
                    <td className="text-xs text-slate-500">{utcTime(d.deliveredAt ?? d.nextAttemptAt)}</td>
                    <td className="max-w-xs truncate text-xs text-red-700" title={d.lastError ?? undefined}>
                      {d.lastError ?? ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <EventTraceCard trace={trace} />
      </div>
    </>
  );
}
