"use client";

import { useState, useTransition } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { Dialog } from "@/components/ui/dialog";
import type { EventSummary } from "@/lib/events/event-log";
import type { NearMiss, RuleView } from "@/lib/rules/queries";
import { SeverityBadge } from "../../events/_components/severity-badge";
import { deleteRuleAction, ruleMatchesAction, setRuleEnabledAction } from "../rule-actions";
import { RuleForm } from "./rule-form";
import { RouteList } from "@/components/routes";
import type { Route } from "@/lib/rules/routes";
import type { ChannelOption, EventTypeOption, ProductOption } from "./rules-types";
import { utcTime } from "@/lib/format";

type Options = { channels: ChannelOption[]; eventTypes: EventTypeOption[]; products: ProductOption[] };

/** Org settings → Notifications → Rules: which events go to which channels, for the whole org. */
export function RulesPanel({
  org,
  canEdit,
  rules,
  productRules,
  ...options
}: Options & { org: string; canEdit: boolean; rules: RuleView[]; productRules: number }) {
  const router = useRouter();
  const [editing, setEditing] = useState<RuleView | "new" | null>(null);
  // Until the list shows what was just saved, Edit would open the old values: it waits.
  const [refreshing, startRefresh] = useTransition();
  const close = () => {
    setEditing(null);
    startRefresh(() => router.refresh());
  };
  return (
    <Card
      title="Rules"
      description="Choose which events you would like to receive alerts from, at which severities, and where they go."
      actions={
        canEdit && (
          <Button size="sm" onClick={() => setEditing("new")} aria-haspopup="dialog">
            Add rule
          </Button>
        )
      }
    >
      {rules.length === 0 ? (
        <EmptyState>No org rules yet.{canEdit ? " Add one to route events to channels." : ""}</EmptyState>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Org rules">
          {rules.map((rule) => (
            <RuleItem key={rule.id} org={org} rule={rule} canEdit={canEdit} options={options} onEdit={() => setEditing(rule)} refreshing={refreshing} />
          ))}
        </ul>
      )}
      <p className="mt-3 text-xs text-slate-500">
        {productRules} product rule{productRules === 1 ? " is" : "s are"} set on the products&apos; own pages (
        <Link className="text-indigo-700 hover:underline" href={`/o/${org}/products`}>
          Products
        </Link>
        ).
      </p>
      <Dialog open={editing !== null} onClose={() => setEditing(null)} title={editing === "new" ? "Add rule" : `Edit ${editing?.name ?? "rule"}`} wide>
        {editing !== null && (
          <RuleForm key={editing === "new" ? "new" : editing.id} org={org} rule={editing === "new" ? undefined : editing} {...options} onDone={close} />
        )}
      </Dialog>
    </Card>
  );
}

function RuleItem({
  org,
  rule,
  canEdit,
  options,
  onEdit,
  refreshing,
}: {
  org: string;
  rule: RuleView;
  canEdit: boolean;
  options: Options;
  onEdit: () => void;
  refreshing: boolean;
}) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [toggling, setToggling] = useState(false);
  const [matches, setMatches] = useState<{ events: (EventSummary & { routes: Route[] })[]; nearMisses: NearMiss[] } | null>(null);
  const [loading, setLoading] = useState(false);
  const titleOf = new Map(options.eventTypes.map((t) => [t.key, t.title]));
  const channelOf = new Map(options.channels.map((c) => [c.id, c.name]));
  const productOf = new Map(options.products.map((p) => [p.slug, p.name]));

  async function toggle() {
    setToggling(true);
    setError(undefined);
    const result = await setRuleEnabledAction({ org, id: rule.id, enabled: !rule.enabled });
    setToggling(false);
    if (!result.ok) setError(result.formError);
    router.refresh();
  }
  async function preview() {
    if (matches) return setMatches(null);
    setLoading(true);
    const result = await ruleMatchesAction({ org, id: rule.id });
    setLoading(false);
    if (result.ok) setMatches(result.data);
    else setError(result.formError);
  }
  async function remove() {
    const result = await deleteRuleAction({ org, id: rule.id });
    if (!result.ok) return result.formError;
    router.refresh();
  }

  return (
    <li className="py-3" data-rule={rule.name}>
      {/* Below 640 px the actions go under the rule (beside it they squeezed its text to a word a line). */}
      <div className="flex items-start justify-between gap-4 max-sm:flex-col max-sm:gap-2">
        <div className="min-w-0 space-y-1 text-sm">
          <p className="flex flex-wrap items-center gap-2 font-medium">
            {rule.name}
            {!rule.enabled && <Badge>disabled</Badge>}
            {rule.mode === "digest" && <Badge tone="indigo">digest {rule.digestMinutes} min</Badge>}
            {rule.splitByProduct && <Badge tone="indigo">one message per product</Badge>}
          </p>
          <p className="text-slate-600">
            <span className="text-slate-500">Events: </span>
            {rule.eventTypes === "all" ? "all events" : rule.eventTypes.map((k) => titleOf.get(k) ?? k).join(", ")}
          </p>
          <p className="flex flex-wrap items-center gap-1 text-slate-600">
            <span className="text-slate-500">Severities: </span>
            {rule.severities.map((s) => (
              <SeverityBadge key={s} severity={s} />
            ))}
          </p>
          <p className="text-slate-600">
            <span className="text-slate-500">Products: </span>
            {rule.products.length ? rule.products.map((p) => productOf.get(p) ?? p).join(", ") : "all"}
            <span className="text-slate-500"> · Channels: </span>
            {rule.channels.length ? (
              rule.channels.map((c) => channelOf.get(c) ?? c).join(", ")
            ) : (
              // Deleting a rule's last channel is refused; a rule left without one (older data) is said to send nowhere.
              <Badge tone="red">not sending: no channel</Badge>
            )}
          </p>
        </div>
        <div className="flex shrink-0 flex-wrap items-center gap-1">
          {canEdit && (
            <label className="mr-2 inline-flex items-center gap-1.5 text-xs text-slate-600">
              <input type="checkbox" className="size-4" checked={rule.enabled} disabled={toggling} onChange={toggle} aria-label={`Enabled: ${rule.name}`} />
              enabled
            </label>
          )}
          <Button size="sm" variant="secondary" pending={loading} onClick={preview} aria-expanded={matches !== null}>
            What would match
          </Button>
          {canEdit && (
            <>
              <Button size="sm" variant="secondary" onClick={onEdit} disabled={refreshing} aria-haspopup="dialog">
                Edit
              </Button>
              <ConfirmButton
                title={`Delete ${rule.name}?`}
                description={<p>Events will no longer be sent through this rule. Deliveries already queued still go out.</p>}
                onConfirm={remove}
              >
                Delete
              </ConfirmButton>
            </>
          )}
        </div>
      </div>
      {error && (
        <p role="status" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      )}
      {matches && <MatchList org={org} ruleId={rule.id} events={matches.events} nearMisses={matches.nearMisses} />}
    </li>
  );
}

/** Why a near miss missed, in the words of the rule form. */
function whyMissed(e: NearMiss): string {
  if (e.missed === "severity") return `severity ${e.severity} is not ticked`;
  if (e.missed === "type") return `event type ${e.type} is not chosen`;
  return e.product ? `product ${e.product} is not among the rule's products` : "it belongs to no product";
}

function EventLine({ org, e, children }: { org: string; e: EventSummary; children?: React.ReactNode }) {
  return (
    <li className="flex flex-wrap items-center gap-2">
      <span className="w-40 shrink-0 text-xs text-slate-500">{utcTime(e.receivedAt)}</span>
      <SeverityBadge severity={e.severity} />
      <code className="text-xs">{e.type}</code>
      {e.product && <span className="text-xs text-slate-500">{e.product}</span>}
      <Link className="truncate text-indigo-700 hover:underline" href={`/o/${org}/events/${e.id}`}>
        {e.title}
      </Link>
      {children}
    </li>
  );
}

function MatchList({
  org,
  ruleId,
  events,
  nearMisses,
}: {
  org: string;
  ruleId: string;
  events: (EventSummary & { routes: Route[] })[];
  nearMisses: NearMiss[];
}) {
  return (
    <div className="mt-2 rounded-md bg-slate-50 px-3 py-2" data-testid="rule-matches">
      {events.length ? (
        <>
          <p className="mb-1 text-xs text-slate-500">
            The last {events.length} stored events this rule would have sent, and every channel each goes to (by this rule or another):
          </p>
          <ul className="space-y-0.5 text-sm">
            {events.map((e) => (
              <EventLine key={e.id} org={org} e={e}>
                <div className="basis-full pl-2">
                  {e.routes.length ? (
                    <RouteList routes={e.routes} ownRuleId={ruleId} showSeverities={false} />
                  ) : (
                    <p className="text-xs text-amber-800">Goes nowhere: no enabled rule sends it to an enabled channel.</p>
                  )}
                </div>
              </EventLine>
            ))}
          </ul>
        </>
      ) : (
        <p className="text-sm text-slate-600">No stored event matches this rule yet.</p>
      )}
      {nearMisses.length > 0 && (
        <div data-testid="rule-near-misses">
          <p className="mb-1 mt-2 text-xs text-slate-500">Almost matched (one criterion off):</p>
          <ul className="space-y-0.5 text-sm">
            {nearMisses.map((e) => (
              <EventLine key={e.id} org={org} e={e}>
                <span className="text-xs text-amber-800">— {whyMissed(e)}</span>
              </EventLine>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
