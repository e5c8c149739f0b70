import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { db } from "@/db/client";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { MessageView } from "@/components/message-view";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import type { AttemptView } from "@/lib/dispatch/delivery-log";
import { getDeliveryDetail, type DeliveryRequest } from "@/lib/dispatch/delivery-request";
import { AppError } from "@/lib/errors";
import { utcTime } from "@/lib/format";
import { RetryDeliveryButton } from "../_components/retry-button";

export const metadata: Metadata = { title: "Delivery" };
export const dynamic = "force-dynamic";

const STATUS_TONE = { queued: "slate", sending: "indigo", delivered: "green", failed: "red", dead: "red" } as const;
const OUTCOME_TONE = { delivered: "green", retry: "amber", throttled: "indigo", failed: "red", dead: "red" } as const;
const pre = "max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap break-words";

/**
 * One delivery as GitHub's "Recent deliveries" shows one: per attempt, the
 * request that was sent (rendered again from the events, every secret
 * redacted) and the answer — status, headers, body excerpt. The same data as
 * `GET /api/v1/orgs/{org}/deliveries/{id}` (lib/dispatch/delivery-request.ts).
 */
export default async function DeliveryPage({ params }: { params: Promise<{ org: string; id: string }> }) {
  const { org, id } = await params;
  const { org: o, principal } = await authorizePage(org, "org:read");
  let shown;
  try {
    shown = await getDeliveryDetail(db(), o.id, id);
  } catch (e) {
    if (e instanceof AppError) notFound();
    throw e;
  }
  const { delivery: d, request } = shown;
  const fields: [string, React.ReactNode][] = [
    ["Id (webhook-id)", <code key="id">{d.id}</code>],
    [
      "Status",
      <span key="status">
        <Badge tone={STATUS_TONE[d.status]}>{d.status}</Badge>
        {d.isTest && (
          <span className="ml-1">
            <Badge>test</Badge>
          </span>
        )}
      </span>,
    ],
    [
      "Channel",
      <span key="channel">
        {d.channel.name} <span className="text-xs text-slate-500">({d.channel.type})</span>
      </span>,
    ],
    [
      "Target",
      request.target ? (
        <code key="target" className="break-all text-xs">
          {request.target}
        </code>
      ) : (
        "—"
      ),
    ],
    [
      d.eventIds.length === 1 ? "Event" : `Events (${d.eventIds.length})`,
      d.event ? (
        <span key="event">
          <code className="text-xs">{d.event.type}</code>{" "}
          <Link className="text-indigo-700 hover:underline" href={`/o/${org}/events/${d.event.id}`}>
            {d.event.title}
          </Link>
          {d.eventIds.length > 1 && <span className="text-xs text-slate-500"> and {d.eventIds.length - 1} more</span>}
        </span>
      ) : (
        "— (deleted)"
      ),
    ],
    ["Product", d.product ? `${d.product.name} (${d.product.slug})` : "—"],
    ["Created", utcTime(d.createdAt)],
    [d.status === "queued" ? "Next attempt" : "Delivered", utcTime(d.status === "queued" ? d.nextAttemptAt : d.deliveredAt)],
  ];
  if (d.lastError)
    fields.push([
      "Last error",
      <span key="err" className="text-red-700">
        {d.lastError}
      </span>,
    ]);

  return (
    <>
      <PageHeader
        title={d.event?.title ?? `Delivery ${d.id}`}
        description={
          <Link className="text-indigo-700 hover:underline" href={`/o/${org}/deliveries`}>
            ← Delivery log
          </Link>
        }
      />
      <div className="space-y-6">
        <Card
          title="Delivery"
          actions={
            can(principal, "org:configure") && (
              <div className="text-right">
                <RetryDeliveryButton org={org} delivery={d} />
              </div>
            )
          }
        >
          <dl className="grid grid-cols-[10rem_1fr] gap-y-1.5 text-sm">
            {fields.map(([label, value]) => (
              <div key={label} className="contents">
                <dt className="text-slate-500">{label}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        </Card>
        <Card title={`Attempts (${d.attempts.length})`} description={request.notes.join(" ")}>
          {d.attempts.length === 0 ? (
            <EmptyState>No attempt yet.</EmptyState>
          ) : (
            <div className="space-y-3">
              {d.attempts.map((a, i) => (
                <AttemptDetail key={a.id} attempt={a} request={request} open={i === d.attempts.length - 1} />
              ))}
            </div>
          )}
        </Card>
      </div>
    </>
  );
}

function AttemptDetail({ attempt: a, request, open }: { attempt: AttemptView; request: DeliveryRequest; open: boolean }) {
  const count = request.messages.length;
  // The answer is from one POST: its request is the one shown (the first when the delivery is one message).
  const index = Math.min(Math.max((a.part ?? 1) - 1, 0), Math.max(count - 1, 0));
  const message = request.messages[index];
  const headers = Object.entries(a.responseHeaders ?? {});
  return (
    <details open={open} className="rounded-md border border-slate-200" aria-label={`Attempt at ${utcTime(a.at)}`} data-testid={`attempt-${a.id}`}>
      <summary className="flex cursor-pointer flex-wrap items-baseline gap-2 px-3 py-2 text-sm">
        <span className="whitespace-nowrap">{utcTime(a.at)}</span>
        <Badge tone={OUTCOME_TONE[a.outcome]}>{a.outcome}</Badge>
        <span>{a.status ?? "no answer"}</span>
        <span className="text-xs text-slate-500">{a.durationMs} ms</span>
        {a.part !== undefined && (
          <span className="text-xs text-slate-500">
            message {a.part} of {count}
          </span>
        )}
        {a.error && <span className="truncate text-xs text-red-700">{a.error}</span>}
      </summary>
      <div className="grid gap-4 border-t border-slate-100 px-3 py-3 md:grid-cols-2">
        <section aria-label="Request">
          <h3 className="mb-1 text-xs font-semibold uppercase text-slate-500">Request</h3>
          {message ? <MessageView message={message} index={index} count={count} /> : <p className="text-xs text-slate-500">Not available.</p>}
        </section>
        <section aria-label="Response">
          <h3 className="mb-1 text-xs font-semibold uppercase text-slate-500">Response</h3>
          <p className="text-xs">
            <span className="text-slate-500">Status / SMTP reply:</span> {a.status ?? "— (no answer)"}
          </p>
          {headers.length > 0 && (
            <p className="mt-1 font-mono text-xs text-slate-600" aria-label="Response headers">
              {headers.map(([name, value]) => (
                <span key={name} className="block break-all">
                  {name}: {value}
                </span>
              ))}
            </p>
          )}
          {a.response ? (
            <pre className={`mt-1 ${pre}`} aria-label="Response body">
              {a.response}
            </pre>
          ) : (
            <p className="mt-1 text-xs text-slate-500">No body.</p>
          )}
          {a.error && <p className="mt-1 break-words text-xs text-red-700">{a.error}</p>}
        </section>
      </div>
    </details>
  );
}
