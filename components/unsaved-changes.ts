"use client";

import { useEffect, useState } from "react";

/**
 * A page-wide "unsaved changes" flag without shared state: a form with edits
 * not yet saved carries `data-unsaved="true"` (react-hook-form's isDirty), and
 * anything that must not act on stale settings — the "Send test alert" dialog —
 * watches the document for it.
 */
const UNSAVED_ATTRIBUTE = "data-unsaved";

/** Spread on a <form>: `<form {...unsavedMarker(form.formState.isDirty)}>`. */
export function unsavedMarker(dirty: boolean): Record<string, string | undefined> {
  return { [UNSAVED_ATTRIBUTE]: dirty ? "true" : undefined };
}

function hasUnsavedChanges(root: ParentNode = document): boolean {
  return root.querySelector(`[${UNSAVED_ATTRIBUTE}="true"]`) !== null || (root instanceof Element && root.getAttribute(UNSAVED_ATTRIBUTE) === "true");
}
const pageHasUnsavedChanges = () => hasUnsavedChanges();

const DISCARD_QUESTION = "You have unsaved changes. Discard them?";

/**
 * Whether closing or leaving may go ahead: true when nothing under `root` holds
 * unsaved edits, or the person agreed to discard them. Every way of closing a
 * form asks this (Cancel, Escape, a link, closing the tab), so no edit is lost
 * without a word.
 */
export function confirmDiscard(root: ParentNode | null | undefined = document): boolean {
  return !hasUnsavedChanges(root ?? document) || window.confirm(DISCARD_QUESTION);
}

/**
 * Mounted once per console page: asks before the page is left with unsaved
 * edits — a link to another page (client-side navigation included) or closing
 * and reloading the tab (the browser's own question).
 */
export function useUnsavedChangesGuard() {
  useEffect(() => {
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (pageHasUnsavedChanges()) e.preventDefault();
    };
    const click = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const link = (e.target as Element | null)?.closest?.("a[href]") as HTMLAnchorElement | null;
      if (!link || link.target === "_blank" || link.hasAttribute("download")) return;
      const to = new URL(link.href, location.href);
      if (to.origin !== location.origin || (to.pathname === location.pathname && to.search === location.search)) return;
      if (!confirmDiscard()) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    window.addEventListener("beforeunload", beforeUnload);
    // Capture: before Next's <Link> starts a client-side navigation.
    document.addEventListener("click", click, true);
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      document.removeEventListener("click", click, true);
    };
  }, []);
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
