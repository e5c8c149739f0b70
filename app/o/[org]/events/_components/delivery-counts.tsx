import type { DeliveryStatus } from "@/db/schema/values";
import { Badge } from "@/components/ui/card";

const TONE = { queued: "slate", sending: "indigo", delivered: "green", failed: "red", dead: "red" } as const;

/** "2 queued · 1 delivered": the deliveries an event is part of, by status. */
export function DeliveryCounts({ counts }: { counts: Partial<Record<DeliveryStatus, number>> }) {
  const entries = (Object.entries(counts) as [DeliveryStatus, number][]).filter(([, n]) => n > 0);
  if (!entries.length) return <span className="text-xs text-slate-500">none</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {entries.map(([status, n]) => (
        <Badge key={status} tone={TONE[status]}>
          {n} {status}
        </Badge>
      ))}
    </span>
  );
}
