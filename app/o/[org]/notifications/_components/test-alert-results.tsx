"use client";

import { definitionOf } from "@/lib/channels/definitions";
import { useEffect, useRef } from "react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Badge } from "@/components/ui/card";
import type { TestAlertResult } from "@/lib/test-alert/results";

/** Each channel's outcome as it arrives: delivered or failed, status or SMTP reply, time, error, link, Retry. */
export function TestAlertResults({ org, results, onRetry }: { org: string; results: TestAlertResult[]; onRetry: (deliveryId: string) => void }) {
  const section = useRef<HTMLElement>(null);
  // The results appear below the preview and the form, out of sight in a long dialog: bring them into view once per send
  // (keyed on the deliveries), not on every poll that updates them.
  const sendKey = results.map((r) => r.deliveryId).join(",");
  useEffect(() => {
    section.current?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }, [sendKey]);
  return (
    <section ref={section} aria-label="Results" className="space-y-2 border-t border-slate-100 pt-4">
      <h3 className="text-sm font-semibold">Results</h3>
      <ul className="divide-y divide-slate-100" aria-live="polite">
        {results.map((r) => (
          <ResultRow key={r.deliveryId} org={org} result={r} onRetry={onRetry} />
        ))}
      </ul>
    </section>
  );
}

function answerOf(r: TestAlertResult): string | null {
  if (r.status === undefined) return null;
  return r.channelType === "email" ? `SMTP ${r.response?.split("\n")[0] ?? r.status}` : `status ${r.status}`;
}

function ResultRow({ org, result: r, onRetry }: { org: string; result: TestAlertResult; onRetry: (deliveryId: string) => void }) {
  const logHref = `/o/${org}/deliveries?${new URLSearchParams({ channel: r.channelId, ...(r.eventIds[0] ? { event: r.eventIds[0] } : {}) })}`;
  const facts = [answerOf(r), r.durationMs !== undefined ? `${r.durationMs} ms` : null].filter(Boolean).join(", ");
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2 text-sm" data-testid="test-alert-result" data-channel={r.channelName}>
      <span className="font-medium">{r.channelName}</span>
      <span className="text-xs text-slate-500">{definitionOf(r.channelType).label}</span>
      {r.state === "pending" ? <Badge>sending…</Badge> : r.ok ? <Badge tone="green">delivered</Badge> : <Badge tone="red">failed</Badge>}
      {facts && <span className="text-xs text-slate-600">{facts}</span>}
      {r.state !== "pending" && (
        <Link href={logHref} className="text-xs text-indigo-700 underline">
          View in delivery log
        </Link>
      )}
      {r.state === "failed" && (
        <Button size="sm" variant="secondary" className="ml-auto" onClick={() => onRetry(r.deliveryId)} aria-label={`Retry ${r.channelName}`}>
          Retry
        </Button>
      )}
      {r.error && !r.ok && <p className="basis-full text-xs text-red-700">{r.error}</p>}
    </li>
  );
}
