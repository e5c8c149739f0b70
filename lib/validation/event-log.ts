import { z } from "zod";
import { severitySchema } from "./events";

/** Filters of the events list (console page and `GET /api/v1/orgs/:org/events`). */

const isoTime = z.iso.datetime({ offset: true, error: "must be an ISO 8601 time, e.g. 2026-01-31T12:00:00Z" });

const EVENTS_PAGE_SIZE = 50;

export const eventFiltersSchema = z.object({
  type: z.string().trim().min(1).max(100).optional().describe("event type key"),
  product: z.string().trim().min(1).max(63).optional().describe("product slug"),
  severity: severitySchema.optional(),
  from: isoTime.optional().describe("received at or after"),
  to: isoTime.optional().describe("received before"),
  limit: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(200, "must be at most 200").default(EVENTS_PAGE_SIZE),
  cursor: z.string().max(200).optional().describe("the nextCursor of the previous page"),
});
export type EventFilters = z.output<typeof eventFiltersSchema>;
