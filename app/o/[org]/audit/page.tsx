import type { Metadata } from "next";
import Link from "next/link";
import { db } from "@/db/client";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { FilterInput } from "@/components/ui/filters";
import { listAudit } from "@/lib/accounts/audit-log";
import { authorizePage } from "@/lib/auth/page-guard";
import { utcTime } from "@/lib/format";

export const metadata: Metadata = { title: "Audit log" };

type Search = { action?: string; actor?: string; page?: string };

export default async function AuditPage({ params, searchParams }: { params: Promise<{ org: string }>; searchParams: Promise<Search> }) {
  const { org } = await params;
  const search = await searchParams;
  const { org: o } = await authorizePage(org, "org:configure");
  const { rows, total, page, pages } = await listAudit(db(), o.id, {
    action: search.action?.slice(0, 100),
    actor: search.actor?.slice(0, 100),
    page: Number(search.page) || 1,
  });
  const pageHref = (p: number) => {
    const q = new URLSearchParams({ ...(search.action ? { action: search.action } : {}), ...(search.actor ? { actor: search.actor } : {}), page: String(p) });
    return `/o/${org}/audit?${q}`;
  };
  return (
    <>
      <PageHeader title="Audit log" description="Who changed what, and when — in the console or through the API." />
      <Card>
        <form className="mb-4 flex items-end gap-3" role="search">
          <FilterInput label="Action starts with" name="action" value={search.action} placeholder="token." />
          <FilterInput label="Actor contains" name="actor" value={search.actor} placeholder="e-mail or token name" />
          <button className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm">Filter</button>
        </form>
        {rows.length === 0 ? (
          <EmptyState>No audit entries match.</EmptyState>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2">Time</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((r) => (
                <tr key={r.id} className="align-top">
                  <td className="whitespace-nowrap py-2 text-slate-500">{utcTime(r.createdAt)}</td>
                  <td>{r.actorLabel}</td>
                  <td>
                    <code className="text-xs">{r.action}</code>
                  </td>
                  <td>{r.targetLabel ?? "—"}</td>
                  <td className="max-w-xs break-words font-mono text-xs text-slate-500">{r.details ? JSON.stringify(r.details) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav aria-label="Pages" className="mt-4 flex items-center justify-between text-sm text-slate-600">
          <span>
            {total} entr{total === 1 ? "y" : "ies"} · page {page} of {pages}
          </span>
          <span className="space-x-3">
            {page > 1 && <Link href={pageHref(page - 1)}>← Newer</Link>}
            {page < pages && <Link href={pageHref(page + 1)}>Older →</Link>}
          </span>
        </nav>
      </Card>
    </>
  );
}
