import { z } from "zod";
import { slugSchema } from "./common";
import { eventTypeKeySchema, severitySchema } from "./events";

/**
 * Silences (issue #23), shared by the console's form, its server actions and
 * the API. A silence names at least one matcher, a reason, and how long it
 * lasts: `endsAt`, or a `duration` from `startsAt` (now by default).
 */

const MAX_SILENCE_DAYS = 365;
/** CIPP's snooze lengths. */
export const SNOOZE_DAYS = [7, 14, 30, 90] as const;
/** The console form's durations. */
export const SILENCE_DURATIONS = ["1h", "4h", "1d", "7d", "14d", "30d", "90d"] as const;

const DURATION = /^(\d{1,4})(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90m", "4h", "7d" → milliseconds; null when not a duration. */
function durationMs(text: string): number | null {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : null;
}

const list = <T extends z.ZodType>(item: T, what: string) => z.array(item).max(100, `may name at most 100 ${what}`).default([]);
const isoTime = z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z" });

/** The fields as a form holds them (the console's form validates with this; its values are valid input of silenceSchema). */
export const silenceFieldsSchema = z
  .object({
    eventTypes: list(eventTypeKeySchema, "event types"),
    products: list(slugSchema, "products"),
    severities: list(severitySchema, "severities"),
    channels: list(z.string().trim().min(1, "must not be empty").max(100), "channels"),
    title: z.string().trim().min(1, "must not be empty (leave it out to match any title)").max(10_000).nullable().default(null),
    data: z
      .array(z.object({ key: z.string().trim().min(1, "must not be empty").max(100), value: z.string().max(1000, "must be at most 1,000 characters") }))
      .max(20, "may hold at most 20 data matchers")
      .default([]),
    reason: z.string().trim().min(1, "is required: say why, it is shown beside every event it keeps quiet").max(500, "must be at most 500 characters"),
    startsAt: isoTime.optional(),
    endsAt: isoTime.optional(),
    duration: z
      .string()
      .trim()
      .refine((d) => durationMs(d) !== null && durationMs(d)! > 0, "must be a number of minutes, hours or days, e.g. 90m, 4h, 7d")
      .optional(),
  })
  .superRefine((s, ctx) => {
    const matchers = s.eventTypes.length + s.products.length + s.severities.length + s.channels.length + s.data.length + (s.title === null ? 0 : 1);
    if (!matchers)
      ctx.addIssue({
        code: "custom",
        path: ["eventTypes"],
        message: "name at least one matcher (event type, product, severity, channel, title or data): a silence of everything must say so",
      });
    if ((s.endsAt === undefined) === (s.duration === undefined)) ctx.addIssue({ code: "custom", path: ["endsAt"], message: "give either endsAt or duration" });
  });

/** A silence as the domain takes it: start and end in epoch ms. */
export const silenceSchema = silenceFieldsSchema.transform((s, ctx) => {
  const starts = s.startsAt ? Date.parse(s.startsAt) : null;
  const base = starts ?? Date.now();
  const ends = s.endsAt ? Date.parse(s.endsAt) : base + durationMs(s.duration!)!;
  if (ends <= base) ctx.addIssue({ code: "custom", path: [s.endsAt ? "endsAt" : "duration"], message: "must end after it starts" });
  if (ends - base > MAX_SILENCE_DAYS * UNIT_MS.d)
    ctx.addIssue({ code: "custom", path: [s.endsAt ? "endsAt" : "duration"], message: `may last at most ${MAX_SILENCE_DAYS} days` });
  const { duration: _duration, startsAt: _startsAt, endsAt: _endsAt, ...matchers } = s;
  return { ...matchers, startsAt: starts, endsAt: ends };
});
export type SilenceBody = z.output<typeof silenceSchema>;

export const snoozeSchema = z.object({
  days: z.coerce
    .number({ error: `must be one of ${SNOOZE_DAYS.join(", ")}` })
    .refine((d): d is (typeof SNOOZE_DAYS)[number] => (SNOOZE_DAYS as readonly number[]).includes(d), `must be one of ${SNOOZE_DAYS.join(", ")}`),
  reason: z.string().trim().max(500, "must be at most 500 characters").optional(),
});
export type SnoozeBody = z.output<typeof snoozeSchema>;

export const SILENCE_STATES = ["active", "pending", "expired"] as const;
export const silenceFiltersSchema = z.object({
  state: z.enum(SILENCE_STATES, { error: `must be one of ${SILENCE_STATES.join(", ")}` }).optional(),
});
