"use client";

import { useEffect, useState } from "react";

/**
 * A page-wide "unsaved changes" flag without shared state: a form with edits
 * not yet saved carries `data-unsaved="true"` (react-hook-form's isDirty), and
 * anything that must not act on stale settings — the "Send test alert" dialog —
 * watches the document for it.
 */
export const UNSAVED_ATTRIBUTE = "data-unsaved";

/** Spread on a <form>: `<form {...unsavedMarker(form.formState.isDirty)}>`. */
export function unsavedMarker(dirty: boolean): Record<string, string | undefined> {
  return { [UNSAVED_ATTRIBUTE]: dirty ? "true" : undefined };
}

function pageHasUnsavedChanges(): boolean {
  return document.querySelector(`[${UNSAVED_ATTRIBUTE}="true"]`) !== null;
}

/** True while any element on the page is marked as holding unsaved changes. */
export function useUnsavedChangesOnPage(): boolean {
  const [unsaved, setUnsaved] = useState(false);
  useEffect(() => {
    const check = () => setUnsaved(pageHasUnsavedChanges());
    check();
    const observer = new MutationObserver(check);
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: [UNSAVED_ATTRIBUTE] });
    return () => observer.disconnect();
  }, []);
  return unsaved;
}
