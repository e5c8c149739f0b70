import { Badge, Card } from "@/components/ui/card";
import type { EventTrace, RuleTrace } from "@/lib/rules/trace";

const VERDICT = {
  took: { label: "took it", tone: "green" },
  missed: { label: "missed", tone: "slate" },
  disabled: { label: "disabled", tone: "amber" },
} as const satisfies Record<RuleTrace["verdict"], { label: string; tone: "green" | "slate" | "amber" }>;

/**
 * "Why did (or didn't) this notify?" (lib/rules/trace.ts): every rule and what it
 * did with the event, then every channel and whether it received it — the
 * same answer as GET …/events/{id}/trace.
 */
export function EventTraceCard({ trace }: { trace: EventTrace }) {
  return (
    <Card
      title="Why did this notify?"
      description="Every rule of the organization and what it did with this event, then every channel it could reach. Rules are judged as they read now; one changed since the event arrived says so."
    >
      <div id="trace" className="space-y-5">
        {trace.event.isTest && <p className="text-sm text-slate-600">A test alert: it went to the channels picked for it, not through rules.</p>}
        <section aria-labelledby="trace-rules">
          <h3 id="trace-rules" className="mb-2 text-sm font-semibold text-slate-700">
            Rules ({trace.rules.length})
          </h3>
          {trace.rules.length === 0 ? (
            <p className="text-sm text-slate-600">The organization has no rules: no event is sent anywhere until one is added (Notifications → Rules).</p>
          ) : (
            <ul className="divide-y divide-slate-100 text-sm">
              {trace.rules.map((t) => (
                <li key={t.rule.id} className="py-2" data-trace-rule={t.rule.name} data-verdict={t.verdict}>
                  <div className="flex flex-wrap items-center gap-2">
                    <Badge tone={VERDICT[t.verdict].tone}>{VERDICT[t.verdict].label}</Badge>
                    <span className="font-medium">{t.rule.name}</span>
                    <span className="text-xs text-slate-500">{t.rule.scope === "org" ? "org rule" : `rule of product ${t.rule.product ?? "?"}`}</span>
                    {t.changedSince && <span className="text-xs text-amber-800">changed since the event arrived</span>}
                  </div>
                  {t.reasons.length > 0 && (
                    <ul className="mt-1 list-disc pl-6 text-xs text-slate-600">
                      {t.reasons.map((r) => (
                        <li key={r}>{r}</li>
                      ))}
                    </ul>
                  )}
                  {t.channels.length > 0 && (
                    <ul className="mt-1 space-y-0.5 pl-2 text-xs text-slate-600">
                      {t.channels.map((c) => (
                        <li key={c.channel.id} data-channel={c.channel.name}>
                          → <span className="font-medium text-slate-800">{c.channel.name}</span> ({c.channel.type}): {c.explanation}
                        </li>
                      ))}
                    </ul>
                  )}
                  {t.verdict === "took" && t.channels.length === 0 && <p className="mt-1 text-xs text-amber-800">It names no channel: it sends nowhere.</p>}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="trace-channels">
          <h3 id="trace-channels" className="mb-2 text-sm font-semibold text-slate-700">
            Channels
          </h3>
          <ul className="divide-y divide-slate-100 text-sm">
            {trace.channels.map((c) => (
              <li key={c.channel.id} className="flex flex-wrap gap-x-2 py-1.5" data-trace-channel={c.channel.name} data-received={c.received}>
                <Badge tone={c.received ? "green" : "slate"}>{c.received ? "received" : "nothing"}</Badge>
                <span className="font-medium">{c.channel.name}</span>
                <span className="text-xs text-slate-500">({c.channel.type})</span>
                <span className="basis-full text-xs text-slate-600 sm:basis-auto">{c.why}</span>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </Card>
  );
}
