"use client";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="mx-auto max-w-md p-10 text-center">
      <h1 className="text-xl font-semibold">Something went wrong</h1>
      <p className="mt-2 text-sm text-slate-600">
        The error was logged{error.digest ? ` (reference ${error.digest})` : ""}. Try again, and tell your operator if it keeps happening.
      </p>
      <button onClick={reset} className="mt-4 rounded-md bg-indigo-600 px-3 py-2 text-sm text-white">
        Try again
      </button>
    </main>
  );
}
