"use client";

import { useId, type ReactNode } from "react";

export type CheckboxOption = { value: string; label: ReactNode; hint?: ReactNode; disabled?: boolean };

/**
 * A list of checkboxes bound to an array value (react-hook-form Controller):
 * a fieldset whose legend names it, with its error read out by screen readers.
 */
export function CheckboxGroup({
  legend,
  options,
  value,
  onChange,
  error,
  hint,
  columns = 1,
  disabled,
}: {
  legend: ReactNode;
  options: CheckboxOption[];
  value: readonly string[];
  onChange: (next: string[]) => void;
  error?: string;
  hint?: ReactNode;
  columns?: 1 | 2 | 3 | 6;
  disabled?: boolean;
}) {
  const id = useId();
  const toggle = (option: string, on: boolean) => {
    const next = on ? [...value, option] : value.filter((v) => v !== option);
    // Keep the options' order, whatever order they were clicked in.
    onChange(options.map((o) => o.value).filter((v) => next.includes(v)));
  };
  const grid = { 1: "grid-cols-1", 2: "sm:grid-cols-2", 3: "sm:grid-cols-3", 6: "grid-cols-3 sm:grid-cols-6" }[columns];
  return (
    <fieldset aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined} aria-invalid={error ? true : undefined} disabled={disabled}>
      <legend className="mb-1 text-sm font-medium text-slate-700">{legend}</legend>
      {hint && !error && (
        <p id={`${id}-hint`} className="mb-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
      <div className={`grid gap-x-4 gap-y-1 ${grid}`}>
        {options.map((option) => (
          <label key={option.value} className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className="mt-0.5 size-4"
              checked={value.includes(option.value)}
              disabled={option.disabled}
              onChange={(e) => toggle(option.value, e.target.checked)}
            />
            <span>
              {option.label}
              {option.hint && <span className="block text-xs text-slate-500">{option.hint}</span>}
            </span>
          </label>
        ))}
      </div>
      {error && (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-600" aria-live="polite">
          {error}
        </p>
      )}
    </fieldset>
  );
}
