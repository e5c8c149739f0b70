import { z } from "zod";
import { SEVERITIES, type Severity } from "@/db/schema/values";
import { eventTypeKeySchema, severitySchema } from "./events";

/**
 * Product settings → Notifications (Chainloop's product preferences): per
 * product event type, the channels it goes to (none by default) and the
 * lowest severity that is sent.
 */

const MAX_PREFERENCE_CHANNELS = 50;

export const productPreferencesSchema = z.object({
  preferences: z
    .array(
      z.object({
        eventType: eventTypeKeySchema,
        channels: z
          .array(z.string().trim().min(1, "must not be empty").max(100))
          .max(MAX_PREFERENCE_CHANNELS, `may name at most ${MAX_PREFERENCE_CHANNELS} channels`),
        minSeverity: severitySchema.default("debug"),
      }),
    )
    .max(200, "may hold at most 200 event types"),
});
export type ProductPreferences = z.output<typeof productPreferencesSchema>;

/** Severities from `min` up (the preferences' "at least" filter). */
export function severitiesFrom(min: Severity): Severity[] {
  return SEVERITIES.slice(SEVERITIES.indexOf(min));
}
