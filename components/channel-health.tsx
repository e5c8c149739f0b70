"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { enableChannelAction } from "@/app/o/[org]/deliveries/actions";
import { Button } from "@/components/ui/button";
import { Badge } from "@/components/ui/card";
import type { ChannelHealth as ChannelHealthValue } from "@/db/schema/values";

export type ChannelHealthInfo = {
  id: string;
  health: ChannelHealthValue;
  consecutiveFailures?: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
};

// Throttled: the receiver is rate-limiting us and Herald sends at the rate it accepts — nothing to fix, so no alarm colour.
const TONE = { healthy: "green", throttled: "indigo", failing: "amber", disabled: "red" } as const;
const utc = (iso: string | null) => (iso ? `${iso.replace("T", " ").slice(0, 16)} UTC` : "never");

/**
 * A channel's health (DESIGN §2): the badge, last success, last error, and —
 * for people who configure the org — a one-click Re-enable once it is failing
 * or disabled (its waiting deliveries then go out).
 */
export function ChannelHealth({ org, channel, canEdit, compact = false }: { org: string; channel: ChannelHealthInfo; canEdit: boolean; compact?: boolean }) {
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
        {(channel.health === "failing" || channel.health === "disabled") && canEdit && (
          <Button size="sm" variant="secondary" pending={pending} onClick={reenable}>
            Re-enable
          </Button>
        )}
      </div>
      {!compact && (
        <dl className="grid grid-cols-[auto_1fr] gap-x-2 text-slate-500">
          <dt>Last success</dt>
          <dd>{utc(channel.lastSuccessAt)}</dd>
          {channel.lastError && (
            <>
              <dt>Last error</dt>
              <dd className="break-words text-red-700" title={channel.lastError}>
                {utc(channel.lastErrorAt)} — {channel.lastError.slice(0, 200)}
              </dd>
            </>
          )}
        </dl>
      )}
      {message && (
        <p role="status" className="text-slate-600">
          {message}
        </p>
      )}
    </div>
  );
}
