import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { channels, deliveries } from "@/db/schema";
import { env } from "@/lib/env";
import { previewChannel, type PreviewMessage } from "@/lib/test-alert/preview";
import { getDelivery, type DeliveryView } from "./delivery-log";
import { loadDeliveryEvents } from "./load";

/**
 * The request a delivery sent (issue #20, as GitHub's "Recent deliveries"
 * shows it): not stored per attempt — that would add kilobytes to every
 * delivery of a long history — but rendered again from the delivery's stored
 * events by the channel's own renderer, the code the test-alert preview uses
 * (lib/test-alert/preview.ts). That code gets the channel's plain settings
 * only, never its secrets: every credential header shows its name and
 * `[redacted]`, the signature too, and a URL that is a secret is masked.
 */

export type DeliveryRequest = {
  /** Where it goes, masked where the address is a secret (as the channel list shows it). */
  target: string;
  /** One per POST (or the e-mail, or the inbox entries), in order; an attempt's `part` is the 1-based one its answer is from. */
  messages: PreviewMessage[];
  /** What is not shown as sent, and why. */
  notes: string[];
};

export type DeliveryDetail = { delivery: DeliveryView; request: DeliveryRequest };

export async function getDeliveryDetail(db: Db, orgId: string, id: string): Promise<DeliveryDetail> {
  const delivery = await getDelivery(db, orgId, id);
  const [row] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.orgId, orgId), eq(channels.id, delivery.channelId)))
    .limit(1);
  const [{ floodMinutes } = { floodMinutes: null }] = await db.select({ floodMinutes: deliveries.floodMinutes }).from(deliveries).where(eq(deliveries.id, id));
  const events = (await loadDeliveryEvents(db, [{ id, floodMinutes }], env().publicUrl)).get(id) ?? [];
  if (!row) return { delivery, request: { target: "", messages: [], notes: ["The channel was deleted: its request cannot be shown."] } };
  if (events.length === 0)
    return { delivery, request: { target: "", messages: [], notes: ["The delivery's events were deleted: its request cannot be shown."] } };
  // Bodies with a time in them (a webhook envelope's generatedAt) show the last attempt's.
  const last = delivery.attempts.at(-1);
  const preview = previewChannel(row, events, { messageId: delivery.id, at: last ? new Date(last.at) : new Date() });
  const notes = [
    "Rendered again from the stored events with the channel's current settings: an edit since the attempt shows here.",
    ...preview.redactions,
    ...(row.type === "email" && preview.warnings.some((w) => w.startsWith("Recipient groups")) ? preview.warnings : []),
  ];
  if (preview.messages.length > 1)
    notes.push(
      `Sent as ${preview.messages.length} messages; each attempt names the one its answer is from (a retry does not send again those already accepted).`,
    );
  return { delivery, request: { target: preview.target, messages: preview.messages, notes } };
}
