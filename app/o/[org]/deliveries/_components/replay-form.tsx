"use client";

import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Card } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { SelectField, TextField } from "@/components/ui/field";
import { replaySchema } from "@/lib/validation/deliveries";
import { replayDeliveriesAction } from "../actions";

type ChannelOption = { id: string; name: string; type: string };

/** Bulk replay: every failed or dead delivery of one channel since a time goes out again (same webhook-id). */
export function ReplayForm({ org, channels }: { org: string; channels: ChannelOption[] }) {
  const queryClient = useQueryClient();
  const [channel, setChannel] = useState(channels[0]?.id ?? "");
  const [since, setSince] = useState(() => new Date(Date.now() - 24 * 3600 * 1000).toISOString().slice(0, 16));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [done, setDone] = useState<string>();
  const sinceIso = since ? `${since}:00Z` : "";
  const name = channels.find((c) => c.id === channel)?.name ?? "the channel";

  async function replay(): Promise<string | void> {
    setDone(undefined);
    const input = { channel, since: sinceIso };
    const local = replaySchema.safeParse(input);
    if (!local.success) {
      setErrors(Object.fromEntries(local.error.issues.map((i) => [String(i.path[0]), [i.message]])));
      return "Some fields are invalid";
    }
    const result = await replayDeliveriesAction({ org, ...input });
    if (!result.ok) {
      setErrors(result.fieldErrors ?? {});
      return result.formError ?? "Replay failed";
    }
    setErrors({});
    setDone(`${result.data.replayed} deliver${result.data.replayed === 1 ? "y" : "ies"} queued again.`);
    await queryClient.invalidateQueries({ queryKey: ["deliveries", org] });
  }

  return (
    <Card title="Replay" description="Send again every failed or dead delivery of a channel created since a time. Receivers see the same webhook-id as before.">
      <div className="grid grid-cols-[1fr_16rem_auto] items-start gap-3 max-sm:grid-cols-1">
        <SelectField label="Channel" value={channel} onChange={(e) => setChannel(e.target.value)} error={errors.channel?.[0]}>
          {channels.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.type})
            </option>
          ))}
        </SelectField>
        <TextField label="Since (UTC)" type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} error={errors.since?.[0]} />
        <ConfirmButton
          className="mt-6"
          variant="secondary"
          size="md"
          title="Replay failed deliveries?"
          confirmLabel="Replay"
          description={
            <>
              Every failed or dead delivery to <strong>{name}</strong> created since {sinceIso.replace("T", " ").replace(":00Z", " UTC")} will be sent again.
            </>
          }
          onConfirm={replay}
        >
          Replay failed…
        </ConfirmButton>
      </div>
      {done && (
        <p role="status" className="mt-3 text-sm text-emerald-700">
          {done}
        </p>
      )}
    </Card>
  );
}
