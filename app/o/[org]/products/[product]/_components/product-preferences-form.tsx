"use client";

import { useState } from "react";
import { unsavedMarker } from "@/components/unsaved-changes";
import { useRouter } from "next/navigation";
import { SEVERITIES, type ChannelHealth, type ChannelType, type Severity } from "@/db/schema/values";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { FormMessage, inputClass } from "@/components/ui/field";
import type { FieldErrors } from "@/lib/errors";
import { MultiSelect, type MultiSelectOption } from "@/components/ui/multi-select";
import { saveProductPreferencesAction } from "../notification-actions";
import { RouteList } from "@/components/routes";
import type { Route } from "@/lib/rules/routes";

/** otherRoutes: where the type's events also go, by rules other than this row's (org rules, the product's other rules). */
type Row = { key: string; title: string; description: string; channels: string[]; minSeverity: Severity; otherRoutes: Route[] };
type ChannelOption = { id: string; name: string; type: ChannelType; enabled: boolean; health: ChannelHealth };

/** A channel that would not deliver now is marked in words in the picker (issue #20). */
function healthNote(c: ChannelOption): MultiSelectOption["note"] {
  if (!c.enabled || c.health === "disabled") return { text: "disabled", tone: "muted" };
  if (c.health === "failing") return { text: "failing", tone: "warning" };
  if (c.health === "throttled") return { text: "throttled", tone: "muted" };
  return undefined;
}

/**
 * Chainloop's product preferences: one row per event a product can have,
 * with the channels it goes to ("none" by default) and the lowest severity
 * sent. Saved together, in one transaction.
 */
export function ProductPreferencesForm({
  org,
  product,
  canEdit,
  rows,
  channels,
}: {
  org: string;
  product: { id: string; slug: string; name: string };
  canEdit: boolean;
  rows: Row[];
  channels: ChannelOption[];
}) {
  const router = useRouter();
  const saved = rows.map((r) => ({ eventType: r.key, channels: r.channels, minSeverity: r.minSeverity }));
  const [values, setValues] = useState(() => saved);
  // Leaving the page, or sending a test alert, with changes not yet saved asks first (components/unsaved-changes.ts).
  const dirty = JSON.stringify(values) !== JSON.stringify(saved);
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<{ error?: string; success?: string; fields?: FieldErrors }>({});
  const nameOf = new Map(channels.map((c) => [c.id, c.name]));
  const options = channels.map((c) => ({ value: c.id, label: c.name, detail: c.type, note: healthNote(c) }));
  const set = (i: number, change: Partial<(typeof values)[number]>) => setValues((all) => all.map((v, j) => (j === i ? { ...v, ...change } : v)));
  const rowError = (i: number) => Object.entries(message.fields ?? {}).find(([k]) => k.startsWith(`preferences.${i}.`))?.[1][0];

  async function save() {
    setPending(true);
    setMessage({});
    const result = await saveProductPreferencesAction({ org, productId: product.id, preferences: values });
    setPending(false);
    if (!result.ok) return setMessage({ error: result.formError, fields: result.fieldErrors });
    setMessage({ success: "Notification settings saved." });
    router.refresh();
  }

  return (
    <Card title="Notifications" description={`Which of ${product.name}'s events notify which of the organization's channels, and from which severity up.`}>
      <table className="w-full text-left text-sm" aria-label="Event notifications" {...unsavedMarker(dirty)}>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2">Event</th>
            <th>Channels</th>
            <th>Lowest severity sent</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row, i) => {
            const value = values[i];
            const picked = value.channels.map((id) => nameOf.get(id) ?? id);
            return (
              <tr key={row.key} data-event-type={row.key} className="align-top">
                <td className="py-2 pr-4">
                  <p className="font-medium">{row.title}</p>
                  <code className="text-xs text-slate-500">{row.key}</code>
                </td>
                <td className="py-2 pr-4">
                  {canEdit && channels.length ? (
                    <MultiSelect label={`Channels for ${row.key}`} options={options} value={value.channels} onChange={(next) => set(i, { channels: next })} />
                  ) : canEdit ? (
                    <p className="text-xs text-slate-600">The organization has no channels yet; its owners and admins add them.</p>
                  ) : (
                    <span>{picked.length ? picked.join(", ") : "none"}</span>
                  )}
                  {row.otherRoutes.length > 0 ? (
                    <div className="mt-2" data-testid="other-routes">
                      <p className="text-xs text-slate-500">{picked.length ? "Also sent, by other rules, to:" : "Sent, by other rules, to:"}</p>
                      <RouteList routes={row.otherRoutes} />
                    </div>
                  ) : (
                    !picked.length && <p className="mt-1 text-xs text-slate-500">Not sent anywhere: no rule sends these events.</p>
                  )}
                  {rowError(i) && (
                    <p className="mt-1 text-xs text-red-600" aria-live="polite">
                      {rowError(i)}
                    </p>
                  )}
                </td>
                <td className="py-2">
                  {canEdit ? (
                    <select
                      aria-label={`Lowest severity for ${row.key}`}
                      className={`${inputClass} min-w-36`}
                      value={value.minSeverity}
                      onChange={(e) => set(i, { minSeverity: e.target.value as Severity })}
                    >
                      {SEVERITIES.map((s) => (
                        <option key={s} value={s}>
                          {s === "debug" ? "debug (everything)" : `${s} and above`}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <span>{value.channels.length ? value.minSeverity : "—"}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {canEdit && (
        <div className="mt-4 flex items-center justify-between gap-4">
          <FormMessage error={message.error} success={message.success} />
          <Button onClick={save} pending={pending} className="ml-auto">
            Save notification settings
          </Button>
        </div>
      )}
    </Card>
  );
}
