import { z } from "zod";
import { channelBase, serviceUrl, templateSchema } from "@/lib/validation/channel-fields";
import { defineChannelType, PEOPLE_FLOOD, secretUrlStorage } from "../definition";

const discordUrlSchema = serviceUrl((url) =>
  url.protocol !== "https:" || !["discord.com", "discordapp.com"].includes(url.hostname) || !/^\/api(\/v\d+)?\/webhooks\/\d+\/[\w-]+\/?$/.test(url.pathname)
    ? "must be a Discord webhook URL: https://discord.com/api/webhooks/{id}/{token}"
    : null,
);

/** Discord webhooks: embeds, split by Discord's limits (lib/channels/discord/module.ts). */
export const discord = defineChannelType({
  type: "discord",
  label: "Discord",
  schema: z.object({ type: z.literal("discord"), ...channelBase, url: discordUrlSchema, template: templateSchema.optional() }),
  storage: secretUrlStorage(),
  form: "url",
  url: { placeholder: "https://discord.com/api/webhooks/{id}/{token}", help: "The URL embeds a credential: it is stored encrypted and never shown again." },
  templates: true,
  defaultFlood: PEOPLE_FLOOD,
  // Discord webhooks allow about 5 requests per 2 s; the headers refine it.
  lane: { maxInFlight: 1, intervalMs: 400, maxBacklog: 50 },
  limits: "Discord allows 10 embeds and 6,000 characters per message, 256 per title and 1,024 per field",
});
