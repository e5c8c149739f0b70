"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";
import { confirmDiscard } from "@/components/unsaved-changes";

/**
 * A modal built on the native <dialog>: focus is trapped and Escape closes it
 * without any extra code — after asking, when a form in it holds unsaved edits.
 */
export function Dialog({
  open,
  onClose,
  title,
  children,
  wide,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // Its own id: a confirmation opened over another dialog must not be named by the other's title.
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      // Only its own events: React passes a confirmation's close and cancel, opened over this dialog, on to this one.
      onClose={(e) => e.target === e.currentTarget && onClose()}
      onCancel={(e) => {
        if (e.target !== e.currentTarget) return;
        e.preventDefault();
        if (confirmDiscard(ref.current)) onClose();
      }}
      aria-labelledby={titleId}
      className={`m-auto w-full rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40 ${wide ? "max-w-4xl" : "max-w-lg"}`}
    >
      {open && (
        <div className="p-6">
          <h2 id={titleId} className="mb-4 text-lg font-semibold">
            {title}
          </h2>
          {children}
        </div>
      )}
    </dialog>
  );
}
