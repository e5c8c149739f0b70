import { z } from "zod";
import { DELIVERY_STATUSES } from "@/db/schema/values";

/**
 * Delivery log filters and the bulk replay (DESIGN §7.1), shared by the API
 * and the console's forms.
 */

const isoTime = z.iso.datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2026-01-31T12:00:00Z" });

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

export const deliveryFiltersSchema = z.object({
  status: z.enum(DELIVERY_STATUSES, { error: `must be one of ${DELIVERY_STATUSES.join(", ")}` }).optional(),
  channel: z.string().trim().min(1).max(100).optional().describe("channel id"),
  event: z.string().trim().min(1).max(200).optional().describe("event id"),
  product: z.string().trim().min(1).max(63).optional().describe("product slug"),
  from: isoTime.optional().describe("created at or after"),
  to: isoTime.optional().describe("created before"),
  limit: z.coerce
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .default(DEFAULT_PAGE_SIZE),
  cursor: z.string().max(200).optional().describe("the nextCursor of the previous page"),
});
export type DeliveryFilters = z.infer<typeof deliveryFiltersSchema>;

export const replaySchema = z.object({
  channel: z.string({ error: "is required" }).trim().min(1, "is required").max(100),
  since: isoTime.describe("replay failed and dead deliveries created at or after this time"),
});
export type ReplayInput = z.infer<typeof replaySchema>;
