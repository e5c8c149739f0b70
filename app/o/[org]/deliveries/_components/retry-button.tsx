"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { RETRYABLE_DELIVERY_STATUSES, type DeliveryStatus } from "@/db/schema/values";
import { retryDeliveryAction } from "../actions";

/**
 * Retry of one delivery, in the log's row and on the delivery's own page: queued
 * again now, its attempt count restarted (lib/dispatch/manual.ts). Says what
 * happened beside the button; `onRetried` refreshes whatever shows the status
 * (by default the page, rendered again on the server).
 */
export function RetryDeliveryButton({
  org,
  delivery,
  onRetried,
}: {
  org: string;
  delivery: { id: string; status: DeliveryStatus };
  onRetried?: () => unknown;
}) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<string>();
  if (!RETRYABLE_DELIVERY_STATUSES.includes(delivery.status) && !message) return null;

  async function retry() {
    setPending(true);
    const result = await retryDeliveryAction({ org, deliveryId: delivery.id });
    setPending(false);
    setMessage(result.ok ? "Queued again" : (result.formError ?? "Retry failed"));
    await (onRetried ?? router.refresh)();
  }

  return (
    <>
      {RETRYABLE_DELIVERY_STATUSES.includes(delivery.status) && (
        <Button size="sm" variant="secondary" pending={pending} onClick={retry}>
          Retry
        </Button>
      )}
      {message && (
        <div role="status" className="text-xs text-slate-600">
          {message}
        </div>
      )}
    </>
  );
}
