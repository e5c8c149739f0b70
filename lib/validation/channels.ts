import { z } from "zod";
import { CHANNEL_TYPES, type ChannelType } from "@/db/schema/values";
import { CHANNEL_DEFINITIONS } from "@/lib/channels/definitions";
import { AUTH_METHODS, WEBHOOK_FORMATS } from "@/lib/channels/webhook";
import { floodSchema, quietHoursSchema, templateSchema } from "./channel-fields";
import { nameSchema } from "./common";

/**
 * Channel bodies (DESIGN §7.1), shared by the console form, the server action
 * and the API. `createChannelSchema` describes a complete channel: one of the
 * types' own schemas (lib/channels/<type>/index.ts), told apart by `type`.
 * `patchChannelSchema` describes a change to one, where a secret left out is
 * kept, `null` clears it. The domain merges a patch into the stored channel
 * and checks the result with `createChannelSchema`, so both paths apply the
 * same rules.
 */

type TypeSchema = (typeof CHANNEL_DEFINITIONS)[ChannelType]["schema"];
const typeSchemas = Object.values(CHANNEL_DEFINITIONS).map((definition) => definition.schema) as [TypeSchema, ...TypeSchema[]];

export const createChannelSchema = z.discriminatedUnion("type", typeSchemas, { error: () => `must be one of ${CHANNEL_TYPES.join(", ")}` });
export type ChannelInput = z.output<typeof createChannelSchema>;

/** A secret in a patch: a new value, `null` to clear, absent (or the `{configured:true}` read back) to keep. */
const secretPatch = z
  .union([z.string(), z.null(), z.object({ configured: z.boolean() }).loose()])
  .optional()
  .transform((v) => (v !== null && typeof v === "object" ? undefined : v));

export const patchChannelSchema = z.object({
  type: z.enum(CHANNEL_TYPES).optional(),
  name: nameSchema.optional(),
  enabled: z.boolean().optional(),
  recipients: z.union([z.string(), z.array(z.string())]).optional(),
  members: z.union([z.string(), z.array(z.string()), z.null()]).optional(),
  url: secretPatch,
  format: z.enum(WEBHOOK_FORMATS, { error: () => `must be one of ${WEBHOOK_FORMATS.join(", ")}` }).optional(),
  auth: z
    .object({
      method: z.enum(AUTH_METHODS, { error: () => `must be one of ${AUTH_METHODS.join(", ")}` }).optional(),
      token: secretPatch,
      username: z.string().optional(),
      password: secretPatch,
      headerName: z.string().optional(),
      headerValue: secretPatch,
      headers: z.union([secretPatch, z.record(z.string(), z.unknown())]),
    })
    .optional(),
  signingSecret: secretPatch,
  template: templateSchema.optional(),
  flood: floodSchema.optional(),
  quietHours: quietHoursSchema.optional(),
});
export type PatchChannelInput = z.output<typeof patchChannelSchema>;
