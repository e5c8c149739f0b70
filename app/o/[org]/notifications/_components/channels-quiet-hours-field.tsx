"use client";

import { useState } from "react";
import { SelectField, TextField } from "@/components/ui/field";
import { SEVERITIES, type QuietHours } from "@/db/schema/values";

const WEEKDAYS = [
  [1, "Mon"],
  [2, "Tue"],
  [3, "Wed"],
  [4, "Thu"],
  [5, "Fri"],
  [6, "Sat"],
  [0, "Sun"],
] as const;

/** Office hours in the browser's own time zone: what turning quiet hours on proposes. */
function officeHours(): QuietHours {
  return { timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC", days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00", minSeverity: "error" };
}

/**
 * Quiet hours of one channel (lib/events/quiet-hours.ts): off, or working hours
 * in a time zone and the severity that may interrupt outside them. Turning them
 * off and on again brings back what was typed.
 */
export function QuietHoursField({
  value,
  onChange,
  errorOf,
}: {
  value: QuietHours | null | undefined;
  onChange: (next: QuietHours | null) => void;
  errorOf: (name: string) => string | undefined;
}) {
  const current = value ?? null;
  const [last, setLast] = useState<QuietHours>(current ?? officeHours());
  const set = (change: Partial<QuietHours>) => {
    const next = { ...current!, ...change };
    setLast(next);
    onChange(next);
  };
  return (
    <fieldset className="space-y-2 rounded-md border border-slate-200 p-3">
      <legend className="px-1 text-sm font-medium">Quiet hours</legend>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="size-4" checked={current !== null} onChange={(e) => onChange(e.target.checked ? last : null)} />
        Outside working hours, hold less severe notifications until they begin
      </label>
      {current !== null && (
        <>
          <div className="grid grid-cols-2 gap-3 max-sm:grid-cols-1">
            <TextField
              label="Time zone"
              placeholder="Europe/Paris"
              value={current.timezone}
              onChange={(e) => set({ timezone: e.target.value })}
              error={errorOf("quietHours.timezone")}
            />
            <SelectField
              label="Sent at any time"
              value={current.minSeverity}
              onChange={(e) => set({ minSeverity: e.target.value as QuietHours["minSeverity"] })}
              error={errorOf("quietHours.minSeverity")}
            >
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s} and above
                </option>
              ))}
            </SelectField>
            <TextField
              label="Working hours start"
              type="time"
              value={current.start}
              onChange={(e) => set({ start: e.target.value })}
              error={errorOf("quietHours.start")}
            />
            <TextField
              label="Working hours end"
              type="time"
              value={current.end}
              onChange={(e) => set({ end: e.target.value })}
              error={errorOf("quietHours.end")}
            />
          </div>
          <fieldset>
            <legend className="text-sm">Working days</legend>
            <div className="mt-1 flex flex-wrap gap-3">
              {WEEKDAYS.map(([day, label]) => (
                <label key={day} className="flex items-center gap-1 text-sm">
                  <input
                    type="checkbox"
                    className="size-4"
                    checked={current.days.includes(day)}
                    onChange={(e) => set({ days: e.target.checked ? [...current.days, day].sort() : current.days.filter((d) => d !== day) })}
                  />
                  {label}
                </label>
              ))}
            </div>
            {errorOf("quietHours.days") && (
              <p className="mt-1 text-xs text-red-700" role="alert">
                {errorOf("quietHours.days")}
              </p>
            )}
          </fieldset>
        </>
      )}
    </fieldset>
  );
}
