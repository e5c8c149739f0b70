"use client";

import { useId, useState, type ReactNode } from "react";
import { Button } from "./button";
import { FieldShell, inputClass } from "./field";

/**
 * A write-only secret field. A stored secret is never sent to the browser:
 * the field shows "configured" and its hint, with **Replace** (type a new
 * value) and **Clear** (remove it on save). Its value follows the API's patch
 * rules: `undefined` keeps, `null` clears, a string replaces.
 */
export function SecretInput({
  label,
  hint,
  configured,
  value,
  onChange,
  error,
  multiline,
  type = "password",
  placeholder,
  help,
  name,
}: {
  label: ReactNode;
  /** The masked hint of the stored value (shown instead of the value). */
  hint?: string | null;
  /** A value is stored on the server. */
  configured: boolean;
  value: string | null | undefined;
  onChange: (value: string | null | undefined) => void;
  error?: string;
  multiline?: boolean;
  type?: "password" | "text";
  placeholder?: string;
  help?: ReactNode;
  name?: string;
}) {
  const id = useId();
  const [editing, setEditing] = useState(!configured);
  const describedBy = error ? `${id}-error` : help ? `${id}-hint` : undefined;

  if (configured && !editing) {
    const clearing = value === null;
    return (
      <FieldShell label={label} error={error} hint={help} id={id}>
        <div
          id={id}
          className="flex flex-wrap items-center gap-2 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm"
          data-secret-state={clearing ? "clear" : "configured"}
        >
          {clearing ? (
            <span className="text-amber-700">Will be cleared when you save</span>
          ) : (
            <span className="text-slate-700">Configured{hint ? <code className="ml-2 break-all font-mono text-xs text-slate-500">{hint}</code> : null}</span>
          )}
          <span className="ml-auto flex gap-2">
            {clearing ? (
              <Button size="sm" variant="secondary" onClick={() => onChange(undefined)}>
                Undo
              </Button>
            ) : (
              <>
                <Button
                  size="sm"
                  variant="secondary"
                  onClick={() => (setEditing(true), onChange(""))}
                  aria-label={`Replace ${typeof label === "string" ? label : "secret"}`}
                >
                  Replace
                </Button>
                <Button size="sm" variant="ghost" onClick={() => onChange(null)} aria-label={`Clear ${typeof label === "string" ? label : "secret"}`}>
                  Clear
                </Button>
              </>
            )}
          </span>
        </div>
      </FieldShell>
    );
  }

  const common = {
    id,
    name,
    value: value ?? "",
    placeholder,
    autoComplete: "off",
    spellCheck: false,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
    className: `${inputClass} font-mono`,
  } as const;
  return (
    <FieldShell label={label} error={error} hint={help} id={id}>
      <div className="flex items-start gap-2">
        {multiline ? (
          <textarea rows={3} {...common} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input type={type} {...common} onChange={(e) => onChange(e.target.value)} />
        )}
        {configured && (
          <Button size="sm" variant="ghost" className="mt-1.5" onClick={() => (setEditing(false), onChange(undefined))}>
            Keep current
          </Button>
        )}
      </div>
    </FieldShell>
  );
}
