"use client";

import { Listbox, ListboxButton, ListboxOption, ListboxOptions } from "@headlessui/react";
import { inputClass } from "./field";

/** label is what the button shows once picked; detail follows it in the list only (e.g. a channel's type). */
export type MultiSelectOption = { value: string; label: string; detail?: string; note?: { text: string; tone: "warning" | "muted" } };

/**
 * A select of several values: a button that shows what is picked and opens a
 * listbox (Headless UI's, WAI-ARIA's listbox pattern): arrow keys, Home/End and
 * typing move through the options, Space or Enter picks, Escape or Tab closes
 * and focus goes back to the button. The button's accessible name is `label`
 * followed by what is picked, so a screen reader hears the selection too.
 * `note` marks an option in words (e.g. "failing"), never by colour alone.
 */
export function MultiSelect({
  label,
  options,
  value,
  onChange,
  empty = "none",
}: {
  label: string;
  options: MultiSelectOption[];
  value: readonly string[];
  onChange: (next: string[]) => void;
  /** Shown when nothing is picked. */
  empty?: string;
}) {
  const labelOf = new Map(options.map((o) => [o.value, o.label]));
  const picked = value.map((v) => labelOf.get(v) ?? v);
  const shown = picked.length ? picked.join(", ") : empty;
  // Keep the options' order, whatever order they were picked in.
  const change = (next: string[]) => onChange(options.map((o) => o.value).filter((v) => next.includes(v)));
  return (
    <Listbox value={[...value]} onChange={change} multiple>
      <ListboxButton aria-label={`${label}: ${shown}`} className={`${inputClass} flex items-center justify-between gap-2 text-left`}>
        <span className="truncate">{shown}</span>
        <svg aria-hidden viewBox="0 0 20 20" className="h-4 w-4 shrink-0 fill-slate-500">
          <path d="M5.3 7.3a1 1 0 0 1 1.4 0L10 10.6l3.3-3.3a1 1 0 1 1 1.4 1.4l-4 4a1 1 0 0 1-1.4 0l-4-4a1 1 0 0 1 0-1.4Z" />
        </svg>
      </ListboxButton>
      <ListboxOptions
        anchor={{ to: "bottom start", gap: 4 }}
        aria-label={label}
        className="z-20 w-[var(--button-width)] min-w-64 max-w-[calc(100vw-1rem)] rounded-md border border-slate-200 bg-white p-1 text-sm shadow-lg focus:outline-none"
      >
        {options.map((o) => (
          <ListboxOption key={o.value} value={o.value} className="flex cursor-pointer items-center gap-2 rounded px-2 py-1.5 data-[focus]:bg-slate-100">
            {({ selected }) => (
              <>
                <span
                  aria-hidden
                  className={`flex h-4 w-4 shrink-0 items-center justify-center rounded border ${selected ? "border-slate-900 bg-slate-900" : "border-slate-500"}`}
                >
                  {selected && (
                    <svg viewBox="0 0 20 20" className="h-3 w-3 fill-white">
                      <path d="M16.7 5.3a1 1 0 0 1 0 1.4l-8 8a1 1 0 0 1-1.4 0l-4-4a1 1 0 1 1 1.4-1.4L8 12.6l7.3-7.3a1 1 0 0 1 1.4 0Z" />
                    </svg>
                  )}
                </span>
                <span className="flex-1">
                  {o.label}
                  {o.detail && <span className="text-slate-600"> ({o.detail})</span>}
                </span>
                {o.note && (
                  <span className={`rounded px-1.5 text-xs ${o.note.tone === "warning" ? "bg-amber-100 text-amber-900" : "bg-slate-100 text-slate-700"}`}>
                    {o.note.text}
                  </span>
                )}
              </>
            )}
          </ListboxOption>
        ))}
      </ListboxOptions>
    </Listbox>
  );
}
