import { z } from "zod";
import { slugSchema } from "./common";
import { severitySchema } from "./events";

/**
 * The "Send test alert" request (DESIGN §7.1), shared by the console dialog,
 * its server actions and `POST /api/v1/orgs/{org}/test-alert`.
 */

export const MAX_TEST_EVENTS = 20;
const MAX_TEST_CHANNELS = 50;

const channelId = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

export const testAlertSchema = z.object({
  channels: z
    .union(
      [z.literal("all"), z.array(channelId).min(1, "pick at least one channel").max(MAX_TEST_CHANNELS, `must name at most ${MAX_TEST_CHANNELS} channels`)],
      { error: 'must be "all" or a list of channel ids' },
    )
    .describe('"all" (every enabled channel you may test) or channel ids'),
  events: z
    .array(
      z.object({
        type: z.string({ error: "is required" }).trim().min(1, "is required").max(100, "must be at most 100 characters"),
        severity: severitySchema,
      }),
    )
    .max(MAX_TEST_EVENTS, `must hold at most ${MAX_TEST_EVENTS} events`)
    .optional()
    .describe("sample events from the org's catalog; one generic test event when neither events nor custom is given"),
  custom: z
    .object({
      title: z.string({ error: "is required" }).trim().min(1, "is required").max(10_000, "must be at most 10,000 characters"),
      message: z.string().max(10_000, "must be at most 10,000 characters").optional(),
      severity: severitySchema.optional(),
    })
    .optional()
    .describe("a test event with your own title and message"),
  writeToLog: z
    .boolean({ error: "must be true or false" })
    .default(false)
    .describe("also show the test events in the event log (flagged as tests); they are always in the delivery log"),
  product: slugSchema.optional().describe("test as a product admin: the product's channels and the org's channels"),
});

export type TestAlertInput = z.output<typeof testAlertSchema>;
