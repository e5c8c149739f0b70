import type { Metadata } from "next";
import Link from "next/link";
import { and, asc, eq, isNull } from "drizzle-orm";
import { db } from "@/db/client";
import { channels } from "@/db/schema";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { authorizePage } from "@/lib/auth/page-guard";
import { getCatcher, listCaughtRequests } from "@/lib/catcher/catchers";
import type { SignatureCheck } from "@/lib/catcher/signature";
import { AppError } from "@/lib/errors";
import { notFound } from "next/navigation";
import { CatcherControls } from "../_components/catcher-controls";
import { utcTime } from "@/lib/format";

export const metadata: Metadata = { title: "Request catcher" };
export const dynamic = "force-dynamic";

const SIGNATURE_BADGE: Record<SignatureCheck["status"], { tone: "green" | "red" | "amber" | "slate"; label: string }> = {
  valid: { tone: "green", label: "signature valid" },
  invalid: { tone: "red", label: "signature invalid" },
  unsigned: { tone: "amber", label: "not signed" },
  unchecked: { tone: "slate", label: "signature not checked" },
};

/** A JSON body indented for reading; anything else as it came. */
function readable(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export default async function CatcherPage({ params }: { params: Promise<{ org: string; id: string }> }) {
  const { org, id } = await params;
  const { org: o } = await authorizePage(org, "org:configure");
  let catcher;
  try {
    catcher = await getCatcher(db(), o.id, id);
  } catch (e) {
    if (e instanceof AppError && e.code === "not_found") notFound();
    throw e;
  }
  // The secret that checks the signatures stays here: the browser gets only each check's verdict.
  const requests = await listCaughtRequests(db(), o.id, id);
  const webhooks = await db()
    .select({ id: channels.id, name: channels.name })
    .from(channels)
    .where(and(eq(channels.orgId, o.id), eq(channels.type, "webhook"), isNull(channels.productId)))
    .orderBy(asc(channels.name), asc(channels.id));
  return (
    <>
      <PageHeader
        title={catcher.name}
        description={
          <>
            Request catcher ·{" "}
            <Link href={`/o/${org}/catchers`} className="text-indigo-700 hover:underline">
              all catchers
            </Link>{" "}
            · expires {utcTime(catcher.expiresAt)}
          </>
        }
      />
      <div className="space-y-6">
        <Card
          title="Address"
          description="Point a webhook channel here, or POST anything to it. Anyone with this URL can post to it; only your org's admins see what arrives."
        >
          <code data-testid="catcher-url" className="block break-all rounded bg-slate-50 p-2 font-mono text-xs">
            {catcher.url}
          </code>
          <CatcherControls org={org} catcherId={catcher.id} channelId={catcher.channelId} webhooks={webhooks} />
        </Card>
        <Card title={`Requests (${requests.length})`} description="Newest first. Refresh to see new ones.">
          {requests.length === 0 ? (
            <EmptyState>Nothing caught yet. Send a test, or trigger a rule that notifies the catcher&apos;s channel.</EmptyState>
          ) : (
            <ul className="space-y-3" aria-label="Caught requests">
              {requests.map((r, i) => {
                const badge = SIGNATURE_BADGE[r.signature.status];
                return (
                  <li key={r.id} className="rounded-md border border-slate-200">
                    <details open={i === 0}>
                      <summary className="flex cursor-pointer items-center gap-3 px-3 py-2 text-sm">
                        <code className="font-semibold">{r.method}</code>
                        <span className="text-slate-600">{utcTime(r.receivedAt)}</span>
                        <span className="text-slate-500">{r.headers["content-type"] ?? "no content-type"}</span>
                        <Badge tone={badge.tone}>{badge.label}</Badge>
                      </summary>
                      <div className="space-y-3 border-t border-slate-100 px-3 py-2 text-xs">
                        {"reason" in r.signature && <p className="text-slate-600">{r.signature.reason}</p>}
                        <table className="w-full">
                          <tbody>
                            {Object.entries(r.headers).map(([name, value]) => (
                              <tr key={name}>
                                <th className="w-56 py-0.5 pr-3 text-left align-top font-mono font-normal text-slate-500">{name}</th>
                                <td className="break-all font-mono">{value}</td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                        <pre className="max-h-96 overflow-auto rounded bg-slate-50 p-2 font-mono">{readable(r.body) || "(empty body)"}</pre>
                      </div>
                    </details>
                  </li>
                );
              })}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}
