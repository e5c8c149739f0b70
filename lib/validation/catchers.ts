import { z } from "zod";
import { nameSchema } from "./common";

/** Request catchers (console → Request catcher), shared by the forms and the server actions. */

export const createCatcherSchema = z.object({
  name: nameSchema,
  /** Also create a webhook channel whose URL is the new catcher (the one-minute path to a signed delivery). */
  createChannel: z.boolean().default(true),
});

export const catcherIdSchema = z.object({ catcherId: z.string().min(1).max(64) });

export const setCatcherChannelSchema = catcherIdSchema.extend({
  /** A webhook channel of the org whose signing secret checks the signatures; "" for none. */
  channelId: z.string().max(64),
});
