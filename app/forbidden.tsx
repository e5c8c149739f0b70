import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="mx-auto max-w-md p-10 text-center">
      <h1 className="text-xl font-semibold">Access denied</h1>
      <p className="mt-2 text-sm text-slate-600">Your role in this organization does not allow this page. Ask an owner if you need access.</p>
      <Link href="/" className="mt-4 inline-block text-sm text-indigo-600 underline">
        Back to Herald
      </Link>
    </main>
  );
}
