import { SEVERITIES, type Severity } from "@/db/schema/values";
import type { Route } from "@/lib/rules/routes";

/** "error and above", "every severity", or the list: how the rule form's ticks read in a sentence. */
function severityText(severities: readonly Severity[]): string {
  const lowest = SEVERITIES.find((s) => severities.includes(s));
  if (!lowest) return "no severity";
  const fromLowest = SEVERITIES.slice(SEVERITIES.indexOf(lowest));
  if (fromLowest.length === severities.length) return lowest === SEVERITIES[0] ? "every severity" : `${lowest} and above`;
  return SEVERITIES.filter((s) => severities.includes(s)).join(", ");
}

/**
 * Every way events go out (lib/rules/routes.ts), one line per channel and rule:
 * the channel, the rule that sends there and what it takes. `ownRuleId` reads as
 * "this rule" rather than by name.
 */
export function RouteList({ routes, ownRuleId, showSeverities = true }: { routes: Route[]; ownRuleId?: string | null; showSeverities?: boolean }) {
  return (
    <ul className="space-y-0.5 text-xs text-slate-600" data-testid="routes">
      {routes.map((r) => (
        <li key={`${r.rule.id}:${r.channel.id}`} data-channel={r.channel.name} data-rule={r.rule.name}>
          <span className="font-medium text-slate-800">{r.channel.name}</span> ({r.channel.type})
          {!r.channel.enabled && <span className="text-amber-800"> — channel disabled, nothing is sent</span>}
          {" — "}
          {r.rule.id === ownRuleId ? "this rule" : `${r.rule.scope === "org" ? "org rule" : "product rule"} “${r.rule.name}”`}
          {showSeverities && `, ${severityText(r.severities)}`}
          {r.mode === "digest" && `, in a digest every ${r.digestMinutes ?? 5} min`}
        </li>
      ))}
    </ul>
  );
}
