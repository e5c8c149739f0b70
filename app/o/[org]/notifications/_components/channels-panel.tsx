"use client";

import { definitionOf } from "@/lib/channels/definitions";
import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { enableChannelAction } from "@/app/o/[org]/deliveries/actions";
import { ChannelFigures, ChannelHealth, isSending } from "./channel-health";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Dialog } from "@/components/ui/dialog";
import type { TestSendResult } from "@/lib/channels/test-send";
import { deleteChannelAction, sendChannelTestAction, updateChannelAction } from "../channel-actions";
import { ChannelForm, SMTP_MISSING_SENTENCE } from "./channels-form";
import { type ChannelView, type OrgMember, type RuleRef } from "./channels-types";

/** Org settings → Notifications → Channels: the list, and add/edit/test/delete for owners and admins. */
export function ChannelsPanel({
  org,
  canEdit,
  channels,
  usedBy,
  members,
  smtpConfigured,
}: {
  org: string;
  canEdit: boolean;
  channels: ChannelView[];
  usedBy: Record<string, RuleRef[]>;
  members: OrgMember[];
  smtpConfigured: boolean;
}) {
  const router = useRouter();
  const [editing, setEditing] = useState<ChannelView | "new" | null>(null);
  // Until the list shows what was just saved, Edit would open the old values: it waits.
  const [refreshing, startRefresh] = useTransition();
  const close = () => {
    setEditing(null);
    startRefresh(() => router.refresh());
  };
  return (
    <Card
      title="Channels"
      description="Where notifications go. Secrets (tokens, passwords, signing secrets, and webhook URLs that carry a credential) are stored encrypted and never shown again."
      actions={
        canEdit && (
          <Button onClick={() => setEditing("new")} size="sm" aria-haspopup="dialog">
            Add channel
          </Button>
        )
      }
    >
      {!smtpConfigured && canEdit && <p className="mb-3 text-xs text-slate-500">{SMTP_MISSING_SENTENCE}</p>}
      {channels.length === 0 ? (
        <EmptyState>No channels yet.{canEdit ? " Add one to say where notifications go." : ""}</EmptyState>
      ) : (
        // One <tbody> per channel (its row, a test's outcome, its figures); below 640 px the table stacks.
        <table className="w-full text-left text-sm max-sm:block" aria-label="Channels">
          <thead className="text-xs uppercase text-slate-500 max-sm:hidden">
            <tr>
              <th className="py-2">Name</th>
              <th>Type</th>
              <th>Target</th>
              <th>Enabled</th>
              <th>Health</th>
              {canEdit && <th className="text-right">Actions</th>}
            </tr>
          </thead>
          {channels.map((c) => (
            <ChannelRow key={c.id} org={org} channel={c} canEdit={canEdit} usedBy={usedBy[c.id] ?? []} onEdit={() => setEditing(c)} refreshing={refreshing} />
          ))}
        </table>
      )}
      <Dialog open={editing !== null} onClose={() => setEditing(null)} title={editing === "new" ? "Add channel" : `Edit ${editing?.name ?? "channel"}`} wide>
        {editing !== null && (
          <ChannelForm
            key={editing === "new" ? "new" : editing.id}
            org={org}
            channel={editing === "new" ? undefined : editing}
            smtpConfigured={smtpConfigured}
            members={members}
            onDone={close}
          />
        )}
      </Dialog>
    </Card>
  );
}

function ChannelRow({
  org,
  channel,
  canEdit,
  usedBy,
  onEdit,
  refreshing,
}: {
  org: string;
  channel: ChannelView;
  canEdit: boolean;
  usedBy: RuleRef[];
  onEdit: () => void;
  refreshing: boolean;
}) {
  const router = useRouter();
  const [test, setTest] = useState<TestSendResult | { error: string; ok: false; durationMs?: undefined; status?: undefined }>();
  const [testing, setTesting] = useState(false);
  const [toggling, setToggling] = useState(false);
  const [rowError, setRowError] = useState<string>();

  async function sendTest() {
    setTesting(true);
    setTest(undefined);
    const result = await sendChannelTestAction({ org, id: channel.id });
    setTesting(false);
    setTest(result.ok ? result.data : { ok: false, error: result.formError ?? "The test could not be sent" });
  }
  const sending = isSending(channel);
  // One switch for both ways a channel stops (issue #20): turning on a channel Herald disabled re-enables it.
  async function toggle() {
    setToggling(true);
    setRowError(undefined);
    const result =
      !sending && channel.health === "disabled"
        ? await enableChannelAction({ org, channelId: channel.id })
        : await updateChannelAction({ org, id: channel.id, enabled: !sending });
    setToggling(false);
    if (!result.ok) setRowError(result.formError);
    router.refresh();
  }
  async function remove() {
    const result = await deleteChannelAction({ org, id: channel.id });
    if (!result.ok) return result.formError;
    router.refresh();
  }

  return (
    <tbody className="border-t border-slate-100 first-of-type:border-t-0 max-sm:block max-sm:py-2">
      <tr
        id={`channel-${channel.id}`}
        data-channel={channel.name}
        className="scroll-mt-4 max-sm:flex max-sm:flex-wrap max-sm:items-center max-sm:gap-x-3 max-sm:gap-y-1"
      >
        <td className="py-2 font-medium max-sm:w-full max-sm:py-0">{channel.name}</td>
        <td>{definitionOf(channel.type).label}</td>
        <td className="max-w-xs truncate font-mono text-xs text-slate-600 max-sm:w-full max-sm:max-w-full" title={channel.target}>
          {channel.target}
        </td>
        <td>
          {canEdit ? (
            <label className="inline-flex items-center gap-1.5">
              <input type="checkbox" className="size-4" checked={sending} disabled={toggling} onChange={toggle} aria-label={`Enabled: ${channel.name}`} />
              <span className="text-xs text-slate-600">{sending ? "on" : "off"}</span>
            </label>
          ) : (
            <Badge tone={sending ? "green" : "slate"}>{sending ? "enabled" : "disabled"}</Badge>
          )}
        </td>
        <td>
          <ChannelHealth org={org} channel={channel} canEdit={canEdit} />
        </td>
        {canEdit && (
          <td className="space-x-1 whitespace-nowrap py-2 text-right max-sm:w-full max-sm:text-left">
            {channel.type !== "inbox" && (
              <Button size="sm" variant="secondary" pending={testing} onClick={sendTest}>
                Send test
              </Button>
            )}
            <Button size="sm" variant="secondary" onClick={onEdit} disabled={refreshing} aria-haspopup="dialog">
              Edit
            </Button>
            <ConfirmButton
              title={`Delete ${channel.name}?`}
              description={
                usedBy.length ? (
                  <>
                    <p>
                      Rules that send to it: <strong>{usedBy.map((r) => r.name).join(", ")}</strong>.
                    </p>
                    <p className="mt-1">Deleting the channel removes it from {usedBy.length === 1 ? "that rule" : "those rules"}.</p>
                  </>
                ) : (
                  <p>No rule sends to this channel.</p>
                )
              }
              onConfirm={remove}
            >
              Delete
            </ConfirmButton>
          </td>
        )}
      </tr>
      {(test || rowError) && (
        <tr className="max-sm:block">
          <td colSpan={6} className="pb-2 max-sm:block">
            {rowError && <p className="text-xs text-red-600">{rowError}</p>}
            {test && <TestOutcome result={test} />}
          </td>
        </tr>
      )}
      <tr className="max-sm:block">
        <td colSpan={6} className="pb-3 max-sm:block max-sm:pt-1">
          <ChannelFigures channel={channel} />
        </td>
      </tr>
    </tbody>
  );
}

function TestOutcome({ result }: { result: { ok: boolean; status?: number; durationMs?: number; error?: string } }) {
  const parts = [result.status !== undefined ? `status ${result.status}` : null, result.durationMs !== undefined ? `${result.durationMs} ms` : null].filter(
    Boolean,
  );
  return (
    <p
      role="status"
      data-testid="test-result"
      className={`rounded-md px-3 py-1.5 text-xs ${result.ok ? "bg-emerald-50 text-emerald-800" : "bg-red-50 text-red-800"}`}
    >
      {result.ok ? "Test delivered" : "Test failed"}
      {parts.length ? ` — ${parts.join(", ")}` : ""}
      {result.error ? `: ${result.error}` : ""}
    </p>
  );
}
