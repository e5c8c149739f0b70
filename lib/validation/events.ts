import { z } from "zod";
import { SEVERITIES } from "@/db/schema/values";
import { slugSchema } from "./common";

const MAX_BATCH = 1000;

export const severitySchema = z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(", ")}` });

export const eventTypeKeySchema = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, "must be dotted lowercase words, e.g. backup.failed")
  .max(100, "must be at most 100 characters");

/** One event as producers post it (DESIGN §7). */
const eventInputSchema = z.object({
  id: z.string().min(1, "must not be empty").max(200, "must be at most 200 characters").optional(),
  type: z.string().min(1, "is required").max(100, "must be at most 100 characters"),
  product: slugSchema.optional(),
  severity: severitySchema.optional(),
  title: z.string().trim().min(1, "is required").max(10_000, "must be at most 10,000 characters"),
  data: z.record(z.string(), z.unknown(), { error: "must be a JSON object" }).optional(),
  occurredAt: z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z" }).optional(),
  source: z.string().max(200, "must be at most 200 characters").optional(),
});
export type EventInput = z.output<typeof eventInputSchema>;

/** `POST /api/v1/events`: one event, or an array of up to 1,000 (all-or-nothing). */
export const ingestBodySchema = z.union([
  eventInputSchema,
  z.array(eventInputSchema).min(1, "must hold at least one event").max(MAX_BATCH, `must hold at most ${MAX_BATCH} events`),
]);

export const eventTypeSchema = z.object({
  key: eventTypeKeySchema,
  scope: z.enum(["org", "product", "any"]),
  title: z.string().trim().min(1, "is required").max(200),
  description: z.string().trim().max(2000).default(""),
  defaultSeverity: severitySchema.default("info"),
});
