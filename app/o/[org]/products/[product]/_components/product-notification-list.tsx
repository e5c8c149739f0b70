"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import type { Severity } from "@/db/schema/values";
import { Badge, Card, EmptyState } from "@/components/ui/card";
import { ConfirmButton } from "@/components/ui/confirm-button";
import type { NotificationView } from "@/lib/rules/product-notifications";
import { deleteNotificationAction, deleteProductRuleAction, setNotificationActiveAction } from "../notification-actions";

type OtherRule = { id: string; name: string; eventTypes: string[] | "all"; severities: Severity[]; channels: string[] };
type Product = { id: string; slug: string; name: string };

/**
 * The destinations attached to this product through the Scalingo-style API
 * (`/api/v1/apps/{app}/notifications`, URLs masked), and the product's other
 * rules made through the rules API.
 */
export function ProductNotificationList({
  org,
  product,
  canEdit,
  notifications,
  otherRules,
  channelNames,
}: {
  org: string;
  product: Product;
  canEdit: boolean;
  notifications: NotificationView[];
  otherRules: OtherRule[];
  channelNames: Record<string, string>;
}) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const done = (result: { ok: boolean; formError?: string }) => {
    if (!result.ok) return result.formError ?? "The change was refused";
    setError(undefined);
    router.refresh();
  };
  async function toggle(n: NotificationView) {
    const message = done(await setNotificationActiveAction({ org, productId: product.id, id: n.id, active: !n.active }));
    if (message) setError(message);
  }
  return (
    <Card
      title="Product notifications"
      description={
        <>
          Destinations attached to this product only, through <code>/api/v1/apps/{product.slug}/notifications</code> (Scalingo-compatible).
        </>
      }
    >
      {notifications.length === 0 ? (
        <EmptyState>No notification attached to this product.</EmptyState>
      ) : (
        <table className="w-full text-left text-sm" aria-label="Product notifications">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="py-2">Type</th>
              <th>Destination</th>
              <th>Events</th>
              <th>Active</th>
              {canEdit && <th className="text-right">Actions</th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {notifications.map((n) => (
              <tr key={n.id} data-notification={n.id}>
                <td className="py-2">{n.type}</td>
                <td className="max-w-xs truncate font-mono text-xs text-slate-600">{n.webhook_url}</td>
                <td className="text-xs">{n.send_all_events ? "all events" : n.selected_events.join(", ")}</td>
                <td>
                  {canEdit ? (
                    <input type="checkbox" className="size-4" checked={n.active} onChange={() => toggle(n)} aria-label={`Active: ${n.type} notification`} />
                  ) : (
                    <Badge tone={n.active ? "green" : "slate"}>{n.active ? "active" : "inactive"}</Badge>
                  )}
                </td>
                {canEdit && (
                  <td className="py-2 text-right">
                    <ConfirmButton
                      title={`Remove this ${n.type} notification?`}
                      description={<p>Its destination and its rule are removed; nothing more is sent there.</p>}
                      onConfirm={async () => done(await deleteNotificationAction({ org, productId: product.id, id: n.id }))}
                    >
                      Remove
                    </ConfirmButton>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && (
        <p role="status" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      )}
      {otherRules.length > 0 && (
        <div className="mt-4">
          <h3 className="mb-1 text-sm font-medium">Other rules of this product</h3>
          <ul className="divide-y divide-slate-100 text-sm">
            {otherRules.map((r) => (
              <li key={r.id} className="flex items-center justify-between py-2">
                <span>
                  <span className="font-medium">{r.name}</span>
                  <span className="text-slate-500">
                    {" "}
                    · {r.eventTypes === "all" ? "all events" : r.eventTypes.join(", ")} · {r.severities.join(", ")} →{" "}
                    {r.channels.map((c) => channelNames[c] ?? c).join(", ")}
                  </span>
                </span>
                {canEdit && (
                  <ConfirmButton
                    title={`Delete ${r.name}?`}
                    description={<p>Events will no longer be sent through this rule.</p>}
                    onConfirm={async () => done(await deleteProductRuleAction({ org, productId: product.id, id: r.id }))}
                  >
                    Delete
                  </ConfirmButton>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </Card>
  );
}
