"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { enableChannelAction } from "@/app/o/[org]/deliveries/actions";
import { Button } from "@/components/ui/button";
import { Badge } from "@/components/ui/card";
import type { PublicChannel } from "@/lib/channels/service";
import { utcMinute } from "@/lib/format";

export type ChannelHealthInfo = Pick<
  PublicChannel,
  "id" | "enabled" | "health" | "lastAttempt" | "lastSuccessAt" | "lastErrorSentence" | "lastErrorAt" | "last24h"
>;

// Throttled: the receiver is rate-limiting us and Herald sends at the rate it accepts — nothing to fix, so no alarm colour.
const TONE = { healthy: "green", throttled: "indigo", failing: "amber", disabled: "red" } as const;
const utc = (iso: string | null) => utcMinute(iso, "never");
const OUTCOME_WORDS = { delivered: "delivered", retry: "failed, will retry", throttled: "throttled", failed: "failed", dead: "failed, gave up" } as const;
const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`);

/**
 * The one notion of "enabled" (issue #20): Herald sends to a channel while its
 * switch is on and its health is not `disabled`. A failing channel is still
 * sent to (its retries go on), so it is enabled and needs no Re-enable.
 */
export const isSending = (channel: Pick<ChannelHealthInfo, "enabled" | "health">) => channel.enabled && channel.health !== "disabled";

/**
 * A channel's health (DESIGN §2): the badge and — for people who configure the
 * org — a one-click Re-enable once Herald has disabled it (its waiting
 * deliveries then go out).
 */
export function ChannelHealth({ org, channel, canEdit }: { org: string; channel: ChannelHealthInfo; canEdit: boolean }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<string>();
  async function reenable() {
    setPending(true);
    setMessage(undefined);
    const result = await enableChannelAction({ org, channelId: channel.id });
    setPending(false);
    if (!result.ok) return setMessage(result.formError ?? "Could not re-enable the channel");
    setMessage(result.data.waitingDeliveries ? `Re-enabled; ${result.data.waitingDeliveries} waiting deliveries are going out` : "Re-enabled");
    router.refresh();
  }
  return (
    <div className="space-y-1 text-xs" data-testid={`channel-health-${channel.id}`}>
      <div className="flex items-center gap-2">
        <Badge tone={TONE[channel.health]}>{channel.health}</Badge>
        {channel.health === "disabled" && canEdit && (
          <Button size="sm" variant="secondary" pending={pending} onClick={reenable}>
            Re-enable
          </Button>
        )}
      </div>
      {message && (
        <p role="status" className="text-slate-600">
          {message}
        </p>
      )}
    </div>
  );
}

/**
 * The figures behind the badge, on the page (issue #20): last attempt (time,
 * outcome, duration), last success, the last error as a sentence, and what
 * the channel delivered and failed in the last 24 h — the same fields as the
 * API's channel view. Four columns wide, stacked on a phone.
 */
export function ChannelFigures({ channel }: { channel: ChannelHealthInfo }) {
  const last = channel.lastAttempt;
  const since = channel.last24h.since;
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-xs sm:grid-cols-2 lg:grid-cols-4" data-testid={`channel-figures-${channel.id}`}>
      <Figure label="Last attempt" testId="last-attempt">
        {last ? (
          <>
            {utc(last.at)} —{" "}
            <span className={last.outcome === "delivered" ? "text-emerald-700" : last.outcome === "throttled" ? "text-indigo-700" : "text-red-700"}>
              {OUTCOME_WORDS[last.outcome]}
            </span>
            {last.statusCode !== null ? ` (${last.statusCode})` : ""} in {duration(last.durationMs)}
          </>
        ) : (
          "none yet"
        )}
      </Figure>
      <Figure label="Last success" testId="last-success">
        {utc(channel.lastSuccessAt)}
      </Figure>
      <Figure label="Last 24 h" testId="last-24h">
        <span className="text-emerald-700">{channel.last24h.delivered} delivered</span> ·{" "}
        <span className={channel.last24h.failed ? "text-red-700" : undefined}>{channel.last24h.failed} failed</span>{" "}
        <span className="text-slate-500">(since yesterday {utc(since).slice(11)})</span>
      </Figure>
      <Figure label="Last error" testId="last-error">
        {channel.lastErrorSentence ? (
          <>
            <span className="break-words text-red-700">{channel.lastErrorSentence}</span> <span className="text-slate-500">({utc(channel.lastErrorAt)})</span>
          </>
        ) : (
          "none"
        )}
      </Figure>
    </dl>
  );
}

function Figure({ label, testId, children }: { label: string; testId: string; children: React.ReactNode }) {
  return (
    <div data-testid={testId} className="min-w-0">
      <dt className="font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="text-slate-700">{children}</dd>
    </div>
  );
}
