import type { Metadata } from "next";
import Link from "next/link";
import { db } from "@/db/client";
import { Card, EmptyState, PageHeader } from "@/components/ui/card";
import { authorizePage } from "@/lib/auth/page-guard";
import { CATCHER_LIMITS, listCatchers } from "@/lib/catcher/catchers";
import { CreateCatcherForm } from "./_components/create-catcher-form";
import { utcTime } from "@/lib/format";

export const metadata: Metadata = { title: "Request catcher" };
export const dynamic = "force-dynamic";

export default async function CatchersPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const { org: o } = await authorizePage(org, "org:configure");
  const catchers = await listCatchers(db(), o.id);
  return (
    <>
      <PageHeader
        title="Request catcher"
        description={`A URL on Herald itself that shows what is posted to it, with its signature check: see a real signed webhook delivery without writing a receiver. Each keeps its last ${CATCHER_LIMITS.keptRequests} requests (bodies up to ${CATCHER_LIMITS.bodyBytes / 1024} KiB) for ${CATCHER_LIMITS.lifetimeDays} days.`}
      />
      <div className="space-y-6">
        <Card title="New catcher">
          <CreateCatcherForm org={org} />
        </Card>
        <Card title={`Catchers (${catchers.length})`}>
          {catchers.length === 0 ? (
            <EmptyState>No catchers yet. Create one, then send it a test.</EmptyState>
          ) : (
            <table className="w-full text-left text-sm">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2">Name</th>
                  <th>URL</th>
                  <th>Checks signatures with</th>
                  <th>Requests</th>
                  <th>Expires</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {catchers.map((c) => (
                  <tr key={c.id}>
                    <td className="py-2 font-medium">
                      <Link href={`/o/${org}/catchers/${c.id}`} className="text-indigo-700 hover:underline">
                        {c.name}
                      </Link>
                    </td>
                    <td>
                      <code className="break-all text-xs">{c.url}</code>
                    </td>
                    <td>{c.channelName ?? "—"}</td>
                    <td>{c.requestCount}</td>
                    <td>{utcTime(c.expiresAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </>
  );
}
