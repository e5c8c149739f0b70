import { z } from "zod";
import { SMTP_CONNECTIONS } from "@/lib/dispatch/policy";
import { addressList, channelBase, emailAddress, required, templateSchema } from "@/lib/validation/channel-fields";
import { defineChannelType, PEOPLE_FLOOD } from "../definition";

/** Resolved to the org's people when a message is sent (lib/channels/email/module.ts). */
export const RECIPIENT_GROUPS = ["@owners", "@admins", "@product-admins"] as const;
export const MAX_RECIPIENTS = 50;

/** "a@x.org, b@y.org" or an array: trimmed, lower-cased, de-duplicated, groups allowed. */
const recipientsSchema = z.union([z.string(), z.array(z.string())], required("addresses separated by commas")).transform((value, ctx) => {
  const unique = addressList(value);
  for (const item of unique) {
    const ok = item.startsWith("@") ? (RECIPIENT_GROUPS as readonly string[]).includes(item) : emailAddress.safeParse(item).success;
    if (!ok) {
      ctx.addIssue({
        code: "custom",
        message: item.startsWith("@") ? `"${item}" is not a group; use @owners, @admins or @product-admins` : `"${item}" is not a valid e-mail address`,
      });
    }
  }
  if (unique.length === 0) ctx.addIssue({ code: "custom", message: "needs at least one address or group" });
  if (unique.length > MAX_RECIPIENTS) ctx.addIssue({ code: "custom", message: `has ${unique.length} recipients; at most ${MAX_RECIPIENTS}` });
  return unique;
});

/** E-mail over the operator's SMTP server (SMTP_URL), to addresses and groups of the org. */
export const email = defineChannelType({
  type: "email",
  label: "E-mail",
  schema: z.object({ type: z.literal("email"), ...channelBase, recipients: recipientsSchema, template: templateSchema.optional() }),
  storage: {
    split: (input) => ({ settings: { recipients: input.recipients }, secrets: {} }),
    body: ({ settings }) => ({ recipients: settings.recipients }),
    publicConfig: (settings) => ({ recipients: (settings.recipients as string[]) ?? [] }),
    target: (settings) => ((settings.recipients as string[]) ?? []).join(", "),
  },
  form: "recipients",
  templates: true,
  defaultFlood: PEOPLE_FLOOD,
  // As many as the SMTP pool's connections: a send beyond them would only wait for one.
  lane: { maxInFlight: SMTP_CONNECTIONS, intervalMs: 0, maxBacklog: 60 },
  limits: "Herald keeps e-mail subjects under 200 characters and values under 2,000",
});
