"use client";

import { useUnsavedChangesGuard } from "@/components/unsaved-changes";

/** Asks before a console page with unsaved edits is left (components/unsaved-changes.ts). */
export function UnsavedChangesGuard() {
  useUnsavedChangesGuard();
  return null;
}
