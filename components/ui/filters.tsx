import type { ReactNode } from "react";
import { inputClass } from "./field";

/**
 * Fields of a GET filter form (events, deliveries, inbox, audit): the page
 * reads them back from the URL, so filters survive reloads and can be shared.
 */
export function FilterSelect({
  label,
  name,
  value,
  options,
  anyLabel = "any",
}: {
  label: ReactNode;
  name: string;
  value: string | undefined;
  options: readonly (string | { value: string; label: string })[];
  anyLabel?: string;
}) {
  return (
    <label className="text-sm">
      <span className="mb-1 block text-slate-600">{label}</span>
      <select name={name} defaultValue={value ?? ""} className={inputClass}>
        <option value="">{anyLabel}</option>
        {options.map((o) => {
          const { value: v, label: l } = typeof o === "string" ? { value: o, label: o } : o;
          return (
            <option key={v} value={v}>
              {l}
            </option>
          );
        })}
      </select>
    </label>
  );
}

export function FilterInput({ label, name, value, placeholder }: { label: ReactNode; name: string; value: string | undefined; placeholder?: string }) {
  return (
    <label className="text-sm">
      <span className="mb-1 block text-slate-600">{label}</span>
      <input name={name} defaultValue={value} placeholder={placeholder} className={inputClass} />
    </label>
  );
}
