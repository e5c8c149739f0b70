"use client";

import { definitionOf } from "@/lib/channels/definitions";
import { useState } from "react";
import { TextField } from "@/components/ui/field";
import { FLOOD_BOUNDS, type FloodLimit } from "@/lib/validation/channel-fields";
import type { ChannelView } from "./channels-types";

/**
 * Flood control of one channel (lib/events/flood.ts): on or off, and its limit.
 * `undefined` (a new channel not touched here) shows — and gets — the type's
 * default; turning it off and on again brings back the last numbers typed.
 */
export function FloodField({
  type,
  value,
  onChange,
  errorOf,
}: {
  type: ChannelView["type"];
  value: FloodLimit | null | undefined;
  onChange: (next: FloodLimit | null) => void;
  errorOf: (name: string) => string | undefined;
}) {
  const current = value === undefined ? definitionOf(type).defaultFlood : value;
  const [last, setLast] = useState<FloodLimit>(current ?? { limit: 30, minutes: 5 });
  const set = (next: FloodLimit) => {
    setLast(next);
    onChange(next);
  };
  return (
    <fieldset className="space-y-2 rounded-md border border-slate-200 p-3">
      <legend className="px-1 text-sm font-medium">Flood control</legend>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="size-4" checked={current !== null} onChange={(e) => onChange(e.target.checked ? last : null)} />
        Summarize a flood instead of sending every notification
      </label>
      {current !== null && (
        <div className="grid grid-cols-2 gap-3">
          <TextField
            label="More than (notifications)"
            type="number"
            inputMode="numeric"
            min={FLOOD_BOUNDS.limit.min}
            max={FLOOD_BOUNDS.limit.max}
            value={Number.isNaN(current.limit) ? "" : current.limit}
            onChange={(e) => set({ ...current, limit: e.target.valueAsNumber })}
            error={errorOf("flood.limit")}
          />
          <TextField
            label="Within (minutes)"
            type="number"
            inputMode="numeric"
            min={FLOOD_BOUNDS.minutes.min}
            max={FLOOD_BOUNDS.minutes.max}
            value={Number.isNaN(current.minutes) ? "" : current.minutes}
            onChange={(e) => set({ ...current, minutes: e.target.valueAsNumber })}
            error={errorOf("flood.minutes")}
          />
        </div>
      )}
      <p className="text-xs text-slate-600">
        Counted per product (or the organization&apos;s own events). Past the limit, the rest of the window goes out as one summary with a link, until a whole
        window stays within it; the first time, Herald raises <code>channel.flooded</code> (to your other channels, never this one).
      </p>
    </fieldset>
  );
}
