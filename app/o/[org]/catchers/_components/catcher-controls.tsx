"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { FormMessage, SelectField } from "@/components/ui/field";
import { deleteCatcherAction, sendCatcherTestAction, setCatcherChannelAction } from "../actions";

type Props = { org: string; catcherId: string; channelId: string | null; webhooks: { id: string; name: string }[] };

/** The catcher's channel (whose secret checks signatures and which "Send a test" goes through), a test, refresh, delete. */
export function CatcherControls({ org, catcherId, channelId, webhooks }: Props) {
  const router = useRouter();
  const [message, setMessage] = useState<{ error?: string; success?: string }>({});
  const [pending, setPending] = useState<"channel" | "test" | null>(null);
  const [refreshing, startRefresh] = useTransition();

  async function chooseChannel(value: string) {
    setPending("channel");
    const r = await setCatcherChannelAction({ org, catcherId, channelId: value });
    setPending(null);
    setMessage(r.ok ? {} : { error: r.formError });
    router.refresh();
  }

  async function sendTest() {
    setPending("test");
    setMessage({});
    const r = await sendCatcherTestAction({ org, catcherId });
    setPending(null);
    if (!r.ok) setMessage({ error: r.fieldErrors?.channelId?.[0] ?? r.formError });
    else if (!r.data.ok) setMessage({ error: `The test was not delivered: ${r.data.error ?? `status ${r.data.status}`}` });
    else setMessage({ success: `Delivered (${r.data.status}) in ${r.data.durationMs} ms: it is the newest request below.` });
    router.refresh();
  }

  return (
    <div className="mt-4 space-y-3">
      <div className="grid items-end gap-3 sm:grid-cols-[minmax(0,24rem)_auto_auto]">
        <SelectField
          label="Webhook channel (checks signatures, sends the test)"
          value={channelId ?? ""}
          disabled={pending !== null}
          onChange={(e) => void chooseChannel(e.target.value)}
        >
          <option value="">— none —</option>
          {webhooks.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </SelectField>
        <Button onClick={() => void sendTest()} pending={pending === "test"} disabled={!channelId}>
          Send a test
        </Button>
        <Button variant="secondary" onClick={() => startRefresh(() => router.refresh())} pending={refreshing}>
          Refresh
        </Button>
      </div>
      <FormMessage error={message.error} success={message.success} />
      <ConfirmButton
        title="Delete catcher"
        description="Delete this catcher and every request it caught? Its URL answers 404 from now on. A channel pointing at it stays (delete it under Notifications)."
        onConfirm={async () => {
          const r = await deleteCatcherAction({ org, catcherId });
          if (!r.ok) return r.formError;
          router.push(`/o/${org}/catchers`);
        }}
      >
        Delete catcher
      </ConfirmButton>
    </div>
  );
}
