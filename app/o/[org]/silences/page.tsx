import type { Metadata } from "next";
import { db } from "@/db/client";
import { listChannels } from "@/lib/channels/service";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui/card";
import { listProducts } from "@/lib/accounts/products";
import { authorizePage } from "@/lib/auth/page-guard";
import { can } from "@/lib/auth/permissions";
import { orgCatalog } from "@/lib/events/catalog";
import { expiringSoon, listSilences, maySilence, type SilenceView } from "@/lib/silences/silences";
import { ExpireSilence } from "./_components/expire-silence";
import { NewSilence } from "./_components/new-silence";
import { utcMinute } from "@/lib/format";

export const metadata: Metadata = { title: "Silences" };
export const dynamic = "force-dynamic";

/** "in 3 h", "in 2 d", "4 min ago": how far a time is from now, in the unit that reads best. */
function fromNow(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const text =
    abs < 3_600_000
      ? `${Math.max(1, Math.round(abs / 60_000))} min`
      : abs < 86_400_000
        ? `${Math.round(abs / 3_600_000)} h`
        : `${Math.round(abs / 86_400_000)} d`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/**
 * Silences (issue #23): what is kept quiet now, what will be, and what was in the
 * last 30 days, each with its reason, author and the events it silenced. Any member
 * sees them; owners and admins (and product admins, for their products) make and
 * expire them.
 */
/** What the page shows, as of one moment (read once per request, outside the component: rendering stays pure). */
async function pageData(org: string) {
  const { principal, org: o } = await authorizePage(org, "org:read");
  const now = Date.now();
  return { principal, o, now, silences: await listSilences(db(), o.id, { now }) };
}

export default async function SilencesPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const { principal, o, now, silences } = await pageData(org);
  const database = db();
  const configures = can(principal, "org:configure");
  const ownProducts = (await listProducts(database, o.id)).filter((p) => configures || can(principal, "product:configure", p.id));
  const productIdOf = new Map(ownProducts.map((p) => [p.slug, p.id]));
  const channels = await listChannels(database, o.id);
  const channelName = new Map(channels.map((c) => [c.id, c.name]));
  const mayCreate = configures || ownProducts.length > 0;
  const mayExpire = (s: SilenceView) =>
    maySilence(
      principal,
      s.products.map((slug) => productIdOf.get(slug) ?? ""),
    );
  const soon = new Set(expiringSoon(silences, now).map((s) => s.id));

  const matcherParts = (s: SilenceView) =>
    [
      s.eventTypes.length ? s.eventTypes.join(", ") : "any event",
      s.products.length ? `of ${s.products.join(", ")}` : null,
      s.severities.length ? `severity ${s.severities.join(", ")}` : null,
      s.title ? `titled “${s.title}”` : null,
      ...s.data.map((d) => `${d.key} = ${d.value}`),
      s.channels.length ? `to ${s.channels.map((id) => channelName.get(id) ?? id).join(", ")}` : "to every channel",
    ].filter(Boolean);

  const section = (title: string, list: SilenceView[], empty: string) => (
    <Card title={`${title} (${list.length})`}>
      {list.length === 0 ? (
        <EmptyState>{empty}</EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100">
          {list.map((s) => (
            <li key={s.id} className="flex flex-wrap items-start justify-between gap-3 py-3" data-silence={s.reason}>
              <div className="min-w-0 space-y-1">
                <p className="font-medium">{s.reason}</p>
                <p className="text-sm text-slate-700">{matcherParts(s).join(" · ")}</p>
                <p className="text-xs text-slate-500">
                  {s.state === "pending"
                    ? `Starts ${utcMinute(s.startsAt)} (${fromNow(s.startsAt, now)}), ends ${utcMinute(s.endsAt)}`
                    : s.state === "active"
                      ? `Ends ${utcMinute(s.endsAt)} (${fromNow(s.endsAt, now)})`
                      : `Ended ${utcMinute(s.endsAt)}${s.expiredBy ? `, expired by ${s.expiredBy}` : ""}`}
                  {` · by ${s.createdBy} · silenced ${s.silencedEvents} event${s.silencedEvents === 1 ? "" : "s"}`}
                </p>
              </div>
              <div className="flex items-center gap-2">
                {soon.has(s.id) && <Badge tone="amber">ends within a day</Badge>}
                {s.state !== "expired" && mayExpire(s) && <ExpireSilence org={org} id={s.id} reason={s.reason} />}
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );

  return (
    <>
      <PageHeader
        title="Silences"
        description="Keep notifications quiet for a while — a maintenance window, a known issue — without losing the events: they are stored and marked silenced. Snooze one recurring alert from its event page."
        actions={
          mayCreate ? (
            <NewSilence
              org={org}
              productRequired={!configures}
              eventTypes={(await orgCatalog(database, o.id)).map((t) => ({ value: t.key, label: `${t.title} (${t.key})` }))}
              products={ownProducts.map((p) => ({ value: p.slug, label: p.name }))}
              channels={channels.map((c) => ({ value: c.id, label: `${c.name} (${c.type})` }))}
            />
          ) : undefined
        }
      />
      <div className="space-y-6">
        {section(
          "Active",
          silences.filter((s) => s.state === "active"),
          "Nothing is silenced: every notification goes out.",
        )}
        {section(
          "Scheduled",
          silences.filter((s) => s.state === "pending"),
          "No silence is scheduled.",
        )}
        {section(
          "Expired in the last 30 days",
          silences.filter((s) => s.state === "expired"),
          "None.",
        )}
      </div>
    </>
  );
}
