import { Badge, Card } from "@/components/ui/card";
import type { EventType } from "@/lib/events/catalog";
import { EventTypeForm } from "./event-type-form";
import { SeverityBadge } from "./severity-badge";

const SCOPE_LABEL = { org: "organization", product: "product", any: "either" } as const;

/** The org's event catalog (DESIGN §3 plus its own types), and the form that adds one. */
export function EventTypesCard({ org, eventTypes, canEdit }: { org: string; eventTypes: EventType[]; canEdit: boolean }) {
  return (
    <Card title="Event types" description="What producers may post. Unknown types are refused; add your own here or with POST /api/v1/orgs/{org}/event-types.">
      <table className="w-full text-left text-sm" aria-label="Event types">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2">Key</th>
            <th>Title</th>
            <th>Scope</th>
            <th>Default severity</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {eventTypes.map((t) => (
            <tr key={t.key} title={t.description}>
              <td className="py-1.5">
                <code className="text-xs">{t.key}</code> {!t.builtIn && <Badge tone="indigo">custom</Badge>}
              </td>
              <td>{t.title}</td>
              <td className="text-slate-600">{SCOPE_LABEL[t.scope]}</td>
              <td>
                <SeverityBadge severity={t.defaultSeverity} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {canEdit && (
        <div className="mt-4 border-t border-slate-100 pt-4">
          <EventTypeForm org={org} />
        </div>
      )}
    </Card>
  );
}
