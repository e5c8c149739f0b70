import { z } from "zod";
import { addressList, channelBase, emailAddress, required } from "@/lib/validation/channel-fields";
import { defineChannelType } from "../definition";

const MAX_INBOX_MEMBERS = 500;

/**
 * Who sees an inbox channel's notifications: e-mail addresses of org members
 * (lower-cased, de-duplicated). Empty means every member of the org; the
 * server checks that each address belongs to a member.
 */
const inboxMembersSchema = z.union([z.string(), z.array(z.string())], required("e-mail addresses of members")).transform((value, ctx) => {
  const unique = addressList(value);
  for (const item of unique) {
    if (!emailAddress.safeParse(item).success) ctx.addIssue({ code: "custom", message: `"${item}" is not a valid e-mail address` });
  }
  if (unique.length > MAX_INBOX_MEMBERS) ctx.addIssue({ code: "custom", message: `names ${unique.length} members; at most ${MAX_INBOX_MEMBERS}` });
  return unique;
});

/** The console's own inbox: a row per member who may see it, no receiver outside Herald. */
export const inbox = defineChannelType({
  type: "inbox",
  label: "Console inbox",
  schema: z.object({ type: z.literal("inbox"), ...channelBase, members: inboxMembersSchema.default([]) }),
  storage: {
    split: (input) => ({ settings: input.members.length ? { members: input.members } : {}, secrets: {} }),
    body: ({ settings }) => ({ members: settings.members ?? [] }),
    publicConfig: (settings) => ({ members: (settings.members as string[]) ?? [] }),
    target: (settings) => {
      const members = (settings.members as string[]) ?? [];
      return members.length ? `Console inbox of ${members.join(", ")}` : "Console inbox of every member";
    },
  },
  form: "members",
  templates: false,
  defaultFlood: null,
  // No receiver and no socket (rows in the database): bounded only so one org's inbox cannot take every send slot.
  lane: { maxInFlight: 64, intervalMs: 0, maxBacklog: 1000 },
  limits: "inbox titles are kept under 500 characters",
  messagesPerDelivery: (eventCount) => eventCount,
});
