"use client";

import { useState, type ReactNode } from "react";
import { Button, type ButtonProps } from "./button";
import { Dialog } from "./dialog";

/**
 * A destructive action behind a confirmation dialog. `onConfirm` returns an
 * error message to show, or nothing on success.
 */
export function ConfirmButton({
  title,
  description,
  confirmLabel = "Delete",
  onConfirm,
  children,
  ...button
}: Omit<ButtonProps, "onClick"> & {
  title: string;
  description: ReactNode;
  confirmLabel?: string;
  onConfirm: () => Promise<string | void> | string | void;
}) {
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  async function confirm() {
    setPending(true);
    setError(undefined);
    try {
      const message = await onConfirm();
      if (message) setError(message);
      else setOpen(false);
    } finally {
      setPending(false);
    }
  }
  return (
    <>
      <Button variant="danger" size="sm" {...button} onClick={() => setOpen(true)} aria-haspopup="dialog">
        {children}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={title}>
        <div className="space-y-4 text-sm text-slate-700">
          <div>{description}</div>
          {error && (
            <p className="rounded-md bg-red-50 px-3 py-2 text-red-700" role="status">
              {error}
            </p>
          )}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)} disabled={pending}>
              Cancel
            </Button>
            <Button variant="danger" onClick={confirm} pending={pending}>
              {confirmLabel}
            </Button>
          </div>
        </div>
      </Dialog>
    </>
  );
}
