"use client";

import { Fragment, useState } from "react";
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import type { DeliveryView } from "@/lib/dispatch/delivery-log";
import { RetryDeliveryButton } from "./retry-button";
import { utcTime } from "@/lib/format";

type Page = { deliveries: DeliveryView[]; nextCursor: string | null };

const STATUS_TONE = { queued: "slate", sending: "indigo", delivered: "green", failed: "red", dead: "red" } as const;
const OUTCOME_TONE = { delivered: "green", retry: "amber", throttled: "indigo", failed: "red", dead: "red" } as const;

/** The log itself: polled every 5 s through the API (same filters as the page), each row opening onto its attempts. */
export function DeliveryLog({ org, query, initial, canEdit }: { org: string; query: string; initial: Page; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Set<string>>(new Set());
  const { data, isError } = useQuery({
    queryKey: ["deliveries", org, query],
    queryFn: async (): Promise<Page> => {
      const res = await fetch(`/api/v1/orgs/${encodeURIComponent(org)}/deliveries${query ? `?${query}` : ""}`, { credentials: "same-origin" });
      if (!res.ok) throw new Error(`The delivery log could not be loaded (${res.status})`);
      return res.json();
    },
    initialData: initial,
    refetchInterval: 5_000,
  });

  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const nextHref = data.nextCursor ? `/o/${org}/deliveries?${withCursor(query, data.nextCursor)}` : null;

  return (
    <Card title="Deliveries" description={isError ? "Could not refresh; showing the last list loaded." : undefined}>
      {data.deliveries.length === 0 ? (
        <EmptyState>No deliveries match. Deliveries appear here when events match a rule.</EmptyState>
      ) : (
        <table className="w-full text-left text-sm" aria-label="Deliveries">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="py-2">Created</th>
              <th>Event</th>
              <th>Product</th>
              <th>Channel</th>
              <th>Status</th>
              <th>Attempts</th>
              <th className="text-right">Actions</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {data.deliveries.map((d) => (
              <Fragment key={d.id}>
                <tr className="align-top" data-testid={`delivery-${d.id}`}>
                  <td className="whitespace-nowrap py-2 text-slate-500">
                    <Link className="text-indigo-700 hover:underline" href={`/o/${org}/deliveries/${d.id}`} title="Request and response of each attempt">
                      {utcTime(d.createdAt)}
                    </Link>
                  </td>
                  <td className="max-w-xs">
                    {d.event ? (
                      <>
                        <code className="block text-xs text-slate-500">{d.event.type}</code>
                        <Link className="block truncate text-indigo-700 hover:underline" href={`/o/${org}/events/${d.event.id}`} title={d.event.title}>
                          {d.event.title}
                        </Link>
                        {d.eventIds.length > 1 && <span className="text-xs text-slate-500">and {d.eventIds.length - 1} more</span>}
                      </>
                    ) : (
                      <span className="text-xs text-slate-500">— (deleted)</span>
                    )}
                  </td>
                  <td className="text-xs">{d.product ? <span title={d.product.name}>{d.product.slug}</span> : <span className="text-slate-500">—</span>}</td>
                  <td>
                    {d.channel.name} <span className="text-xs text-slate-500">({d.channel.type})</span>
                  </td>
                  <td>
                    <Badge tone={STATUS_TONE[d.status]}>{d.status}</Badge>
                    {d.isTest && (
                      <span className="ml-1" title="Sent by Send test alert: left out of bulk replay">
                        <Badge>test</Badge>
                      </span>
                    )}
                    {d.status === "queued" && d.nextAttemptAt && <div className="text-xs text-slate-500">next {utcTime(d.nextAttemptAt)}</div>}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="text-indigo-700 underline-offset-2 hover:underline"
                      aria-expanded={open.has(d.id)}
                      onClick={() => toggle(d.id)}
                    >
                      {d.attempts.length} attempt{d.attempts.length === 1 ? "" : "s"}
                    </button>
                  </td>
                  <td className="text-right">
                    {canEdit && (
                      <RetryDeliveryButton org={org} delivery={d} onRetried={() => queryClient.invalidateQueries({ queryKey: ["deliveries", org] })} />
                    )}
                  </td>
                </tr>
                {open.has(d.id) && (
                  <tr>
                    <td colSpan={7} className="bg-slate-50 px-3 pb-3">
                      <AttemptsTable delivery={d} />
                      <Link className="text-xs text-indigo-700 hover:underline" href={`/o/${org}/deliveries/${d.id}`}>
                        Request and response headers of each attempt →
                      </Link>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      <nav aria-label="Pages" className="mt-4 flex justify-end text-sm">
        {nextHref && <Link href={nextHref}>Older →</Link>}
      </nav>
    </Card>
  );
}

function AttemptsTable({ delivery }: { delivery: DeliveryView }) {
  if (delivery.attempts.length === 0) return <p className="py-2 text-xs text-slate-500">No attempt yet.</p>;
  return (
    <table className="mt-2 w-full table-fixed text-left text-xs" aria-label={`Attempts of ${delivery.id}`}>
      <colgroup>
        <col className="w-44" />
        <col className="w-20" />
        <col className="w-20" />
        <col className="w-28" />
        <col />
        <col />
      </colgroup>
      <thead className="text-slate-500">
        <tr>
          <th className="py-1">Time</th>
          <th>Duration</th>
          <th>Outcome</th>
          <th>Status / SMTP reply</th>
          <th>Response excerpt</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        {delivery.attempts.map((a, i) => (
          <tr key={i} className="align-top">
            <td className="whitespace-nowrap py-1">{utcTime(a.at)}</td>
            <td>{a.durationMs} ms</td>
            <td>
              <Badge tone={OUTCOME_TONE[a.outcome]}>{a.outcome}</Badge>
            </td>
            <td>{a.status ?? "—"}</td>
            <td className="pr-3">{a.response ? <pre className="max-h-24 overflow-auto whitespace-pre-wrap break-words font-mono">{a.response}</pre> : "—"}</td>
            <td className="break-words text-red-700">{a.error ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function withCursor(query: string, cursor: string): string {
  const params = new URLSearchParams(query);
  params.set("cursor", cursor);
  return params.toString();
}
