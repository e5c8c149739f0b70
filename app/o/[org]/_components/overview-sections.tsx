import Link from "next/link";
import type { ReactNode } from "react";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import type { DeliveriesPerHour, OverviewRange, QueueDepth, UnwellChannel } from "@/lib/overview/org-overview";
import type { EventSummary } from "@/lib/events/event-log";
import { DeliveryCounts } from "../events/_components/delivery-counts";
import { SeverityBadge } from "../events/_components/severity-badge";
import { DeliveriesChart } from "./deliveries-chart";
import { utcMinute } from "@/lib/format";

/** The org overview's parts (app/o/[org]/page.tsx): each takes figures already read for the authorized org. */

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
const RANGE_LABEL: Record<OverviewRange, string> = { "24h": "last 24 hours", "7d": "last 7 days" };

/** "3 min", "2 h 5 min", "4 days": how long ago, in words. */
function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return plural(minutes, "min", "min");
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
  return plural(Math.floor(hours / 24), "day");
}

function Figure({
  label,
  value,
  detail,
  tone = "slate",
  testId,
}: {
  label: string;
  value: ReactNode;
  detail?: ReactNode;
  tone?: "slate" | "green" | "red" | "amber";
  testId: string;
}) {
  const tones = { slate: "text-slate-900", green: "text-emerald-700", red: "text-red-700", amber: "text-amber-700" };
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm" data-testid={testId}>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className={`mt-1 text-2xl font-semibold tabular-nums ${tones[tone]}`}>{value}</dd>
      {detail && <dd className="mt-0.5 text-xs text-slate-500">{detail}</dd>}
    </div>
  );
}

/** The four figures people look at first: delivered, failed, waiting, unwell channels. */
export function OverviewFigures({ perHour, queue, unwell, now }: { perHour: DeliveriesPerHour; queue: QueueDepth; unwell: number; now: number }) {
  return (
    <dl className="grid grid-cols-2 gap-3 lg:grid-cols-4" aria-label="Figures">
      <Figure testId="figure-delivered" label="Delivered" value={perHour.delivered.toLocaleString("en-US")} detail={RANGE_LABEL[perHour.range]} tone="green" />
      <Figure
        testId="figure-failed"
        label="Failed"
        value={perHour.failed.toLocaleString("en-US")}
        detail={RANGE_LABEL[perHour.range]}
        tone={perHour.failed ? "red" : "slate"}
      />
      <Figure
        testId="figure-queue"
        label="In the queue"
        value={(queue.queued + queue.sending).toLocaleString("en-US")}
        detail={queue.oldestDueAt ? `oldest due ${duration(now - Date.parse(queue.oldestDueAt))} ago` : `${queue.due.toLocaleString("en-US")} due now`}
        tone={queue.due ? "amber" : "slate"}
      />
      <Figure
        testId="figure-unwell"
        label="Channels needing attention"
        value={unwell}
        detail={unwell ? "failing, disabled or throttled" : "all healthy"}
        tone={unwell ? "red" : "slate"}
      />
    </dl>
  );
}

/** The chart, its range switch (links: the page stays a server page), a summary and the figures as a table. */
export function DeliveriesPerHourCard({ org, perHour }: { org: string; perHour: DeliveriesPerHour }) {
  const busiest = perHour.hours.reduce((a, b) => (b.delivered + b.failed > a.delivered + a.failed ? b : a), perHour.hours[0]!);
  const active = perHour.hours.filter((h) => h.delivered || h.failed);
  const title = `Deliveries per hour, ${RANGE_LABEL[perHour.range]}`;
  const summary =
    active.length === 0
      ? `No deliveries finished in the ${RANGE_LABEL[perHour.range]}.`
      : `In the ${RANGE_LABEL[perHour.range]}: ${perHour.delivered.toLocaleString("en-US")} delivered, ${perHour.failed.toLocaleString("en-US")} failed, in ${plural(active.length, "hour")} with deliveries; the busiest, ${utcMinute(busiest.hour)}, had ${busiest.delivered.toLocaleString("en-US")} delivered and ${busiest.failed.toLocaleString("en-US")} failed.`;
  return (
    <Card
      title="Deliveries per hour"
      description="Finished deliveries by outcome, per hour (UTC); test alerts aside."
      actions={
        <nav aria-label="Chart range" className="flex shrink-0 rounded-md border border-slate-300 text-sm">
          {(["24h", "7d"] as const).map((range) => (
            <Link
              key={range}
              href={range === "24h" ? `/o/${org}` : `/o/${org}?range=${range}`}
              aria-current={perHour.range === range ? "page" : undefined}
              className={`px-2.5 py-1 first:rounded-l-md last:rounded-r-md ${perHour.range === range ? "bg-indigo-600 text-white" : "text-slate-700 hover:bg-slate-100"}`}
            >
              {range === "24h" ? "24 h" : "7 days"}
            </Link>
          ))}
        </nav>
      }
    >
      <figure aria-labelledby="deliveries-chart-title" aria-describedby="deliveries-chart-summary">
        <h3 id="deliveries-chart-title" className="sr-only">
          {title}
        </h3>
        <div data-testid="deliveries-chart">
          <DeliveriesChart hours={perHour.hours} range={perHour.range} title={title} summary={summary} />
        </div>
        <figcaption id="deliveries-chart-summary" className="mt-2 text-sm text-slate-600" data-testid="deliveries-summary">
          {summary}
        </figcaption>
      </figure>
      {active.length > 0 && (
        <details className="mt-3 text-sm">
          <summary className="cursor-pointer text-indigo-700">Show the figures as a table</summary>
          <div className="mt-2 max-h-72 overflow-y-auto">
            <table className="w-full text-left tabular-nums" aria-label={`${title}, hours with deliveries`}>
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-1">Hour (UTC)</th>
                  <th className="text-right">Delivered</th>
                  <th className="text-right">Failed</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {active.map((h) => (
                  <tr key={h.hour}>
                    <td className="py-1">{utcMinute(h.hour)}</td>
                    <td className="text-right">{h.delivered.toLocaleString("en-US")}</td>
                    <td className="text-right">{h.failed.toLocaleString("en-US")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="mt-1 text-xs text-slate-500">Hours not listed had no finished deliveries.</p>
          </div>
        </details>
      )}
    </Card>
  );
}

export function QueueCard({ org, queue, now }: { org: string; queue: QueueDepth; now: number }) {
  const rows: [string, number, string][] = [
    ["Due now", queue.due, "waiting for a worker"],
    ["Waiting", queue.queued - queue.due, "a retry or digest later"],
    ["Sending", queue.sending, "with a worker right now"],
  ];
  return (
    <Card title="Queue" description="Deliveries not finished yet.">
      <dl className="space-y-2 text-sm" data-testid="queue">
        {rows.map(([label, n, hint]) => (
          <div key={label} className="flex items-baseline justify-between gap-3">
            <dt>
              {label} <span className="text-xs text-slate-500">({hint})</span>
            </dt>
            <dd className="font-semibold tabular-nums">{n.toLocaleString("en-US")}</dd>
          </div>
        ))}
        <div className="flex items-baseline justify-between gap-3 border-t border-slate-100 pt-2">
          <dt>Oldest due</dt>
          <dd className="text-right text-xs text-slate-600">
            {queue.oldestDueAt ? `${utcMinute(queue.oldestDueAt)} (${duration(now - Date.parse(queue.oldestDueAt))} ago)` : "nothing is due"}
          </dd>
        </div>
      </dl>
      <Link className="mt-3 inline-block text-sm text-indigo-700 hover:underline" href={`/o/${org}/deliveries?status=queued`}>
        Queued deliveries in the log →
      </Link>
    </Card>
  );
}

const HEALTH_TONE = { disabled: "red", failing: "red", throttled: "amber" } as const;

export function UnwellChannelsCard({ org, channels, now }: { org: string; channels: UnwellChannel[]; now: number }) {
  return (
    <Card title="Channels needing attention" description="Failing, disabled or throttled channels.">
      {channels.length === 0 ? (
        <p className="text-sm text-slate-600">Every channel is healthy.</p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm" aria-label="Channels needing attention">
          {channels.map((c) => (
            <li key={c.id} className="py-2 first:pt-0 last:pb-0" data-unwell-channel={c.name}>
              <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                <Badge tone={HEALTH_TONE[c.health]}>{c.health}</Badge>
                <Link
                  className="font-medium text-indigo-700 hover:underline"
                  href={c.product ? `/o/${org}/products/${c.product.slug}` : `/o/${org}/notifications#channel-${c.id}`}
                >
                  {c.name}
                </Link>
                <span className="text-xs text-slate-500">
                  {c.type}
                  {c.product && ` · product ${c.product.name}`}
                </span>
              </div>
              <p className="mt-0.5 break-words text-xs text-slate-600">
                {c.health === "throttled"
                  ? "The receiver is rate-limiting Herald; it sends at the rate accepted."
                  : [
                      c.consecutiveFailures ? `${plural(c.consecutiveFailures, "failure")} in a row` : null,
                      c.failingSince ? `failing for ${duration(now - Date.parse(c.failingSince))}` : null,
                      c.lastErrorSentence,
                    ]
                      .filter(Boolean)
                      .join(" · ")}
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function LatestEventsCard({ org, events }: { org: string; events: EventSummary[] }) {
  return (
    <Card
      title="Latest events"
      actions={
        <Link className="shrink-0 text-sm text-indigo-700 hover:underline" href={`/o/${org}/events`}>
          All events →
        </Link>
      }
    >
      {events.length === 0 ? (
        <EmptyState>No events yet. Producers post them with POST /api/v1/events.</EmptyState>
      ) : (
        <ol className="divide-y divide-slate-100 text-sm" aria-label="Latest events">
          {events.map((e) => (
            <li key={e.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2 first:pt-0 last:pb-0" data-event={e.id}>
              <SeverityBadge severity={e.severity} />
              <Link
                className="min-w-0 max-w-full flex-1 truncate font-medium text-indigo-700 hover:underline max-sm:basis-3/4"
                href={`/o/${org}/events/${e.id}`}
              >
                {e.title}
              </Link>
              <span className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-500 max-sm:w-full">
                <time dateTime={e.receivedAt}>{utcMinute(e.receivedAt)}</time>
                <code>{e.type}</code>
                {e.product && <span>{e.product}</span>}
                <DeliveryCounts counts={e.deliveryCounts} />
              </span>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

/** A new org (nothing delivered yet): what to do first. */
export function GettingStarted({ org, canConfigure }: { org: string; canConfigure: boolean }) {
  return (
    <section
      aria-labelledby="getting-started"
      className="rounded-lg border border-dashed border-indigo-300 bg-indigo-50/50 px-5 py-4"
      data-testid="overview-empty"
    >
      <h2 id="getting-started" className="text-base font-semibold">
        No deliveries yet
      </h2>
      <p className="mt-1 text-sm text-slate-700">
        Herald has not delivered anything for this organization. The charts fill in as soon as events are routed to a channel.
      </p>
      {canConfigure ? (
        <ol className="mt-3 list-decimal space-y-1 pl-5 text-sm text-slate-700">
          <li>
            <Link className="text-indigo-700 hover:underline" href={`/o/${org}/notifications`}>
              Add a channel
            </Link>{" "}
            (e-mail, Slack, Teams, Discord or a webhook) under Notifications.
          </li>
          <li>
            <Link className="text-indigo-700 hover:underline" href={`/o/${org}/notifications`}>
              Send a test alert
            </Link>{" "}
            to it, or post an event with <code className="text-xs">POST /api/v1/events</code> (an{" "}
            <Link className="text-indigo-700 hover:underline" href={`/o/${org}/tokens`}>
              API token
            </Link>{" "}
            lets a producer do so).
          </li>
        </ol>
      ) : (
        <p className="mt-2 text-sm text-slate-700">
          An owner or admin of the organization adds channels and sends test alerts under{" "}
          <Link className="text-indigo-700 hover:underline" href={`/o/${org}/notifications`}>
            Notifications
          </Link>
          .
        </p>
      )}
    </section>
  );
}
