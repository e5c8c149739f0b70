"use client";

/**
 * A console page of the org failed while rendering: the layout (menu, org
 * switcher) stays, so the person can go elsewhere or try again; the error
 * itself is logged on the server, only its reference is shown.
 */
export default function OrgError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-5 text-sm">
      <h1 className="text-base font-semibold text-red-800">This page could not be shown</h1>
      <p className="mt-1 text-red-800">
        The error was logged{error.digest ? ` (reference ${error.digest})` : ""}. Try again, or open another page from the menu; tell your operator if it keeps
        happening.
      </p>
      <button onClick={reset} className="mt-3 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-red-800 ring-1 ring-red-300">
        Try again
      </button>
    </div>
  );
}
