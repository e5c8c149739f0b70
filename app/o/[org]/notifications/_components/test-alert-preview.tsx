"use client";

import { definitionOf } from "@/lib/channels/definitions";
import { Badge } from "@/components/ui/card";
import { MessageView } from "@/components/message-view";
import type { ChannelPreview, TestAlertPreview } from "@/lib/test-alert/preview";

/** The preview: per channel, the exact bodies it would receive, with redactions and limit warnings. */
export function TestAlertPreviewView({ preview }: { preview: TestAlertPreview }) {
  return (
    <section aria-label="Preview" className="space-y-3 border-t border-slate-100 pt-4">
      <h3 className="text-sm font-semibold">Preview</h3>
      <p className="text-xs text-slate-500">
        Events: {preview.events.map((e) => `${e.title} (${e.type}, ${e.severity}${e.product ? `, ${e.product}` : ""})`).join(" · ")}
      </p>
      {preview.channels.map((c) => (
        <ChannelPreviewCard key={c.channelId} channel={c} />
      ))}
    </section>
  );
}

function ChannelPreviewCard({ channel }: { channel: ChannelPreview }) {
  return (
    <article className="rounded-md border border-slate-200" aria-label={`Preview for ${channel.name}`} data-testid="preview-channel">
      <header className="flex flex-wrap items-baseline gap-2 border-b border-slate-100 px-3 py-2">
        <span className="font-medium">{channel.name}</span>
        <Badge>{definitionOf(channel.type).label}</Badge>
        <span className="truncate font-mono text-xs text-slate-500">{channel.target}</span>
        <span className="ml-auto text-xs text-slate-500">
          {channel.messages.length} message{channel.messages.length === 1 ? "" : "s"}
        </span>
      </header>
      <div className="space-y-2 px-3 py-2">
        {channel.warnings.map((w) => (
          <p key={w} className="rounded bg-amber-50 px-2 py-1 text-xs text-amber-800">
            ⚠ {w}
          </p>
        ))}
        {channel.redactions.map((r) => (
          <p key={r} className="text-xs text-slate-500">
            {r}
          </p>
        ))}
        {channel.messages.map((m, i) => (
          <MessageView key={i} message={m} index={i} count={channel.messages.length} />
        ))}
      </div>
    </article>
  );
}
