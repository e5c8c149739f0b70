import { z } from "zod";
import { channelBase, serviceUrl, templateSchema } from "@/lib/validation/channel-fields";
import { defineChannelType, PEOPLE_FLOOD, secretUrlStorage } from "../definition";

const slackUrlSchema = serviceUrl((url) =>
  url.protocol !== "https:" || url.hostname !== "hooks.slack.com" || url.pathname.length < 2
    ? "must be a Slack incoming-webhook URL: https://hooks.slack.com/…"
    : null,
);

/** Slack incoming webhooks: Block Kit, one message per event (lib/channels/slack/module.ts). */
export const slack = defineChannelType({
  type: "slack",
  label: "Slack",
  schema: z.object({ type: z.literal("slack"), ...channelBase, url: slackUrlSchema, template: templateSchema.optional() }),
  storage: secretUrlStorage(),
  form: "url",
  url: { placeholder: "https://hooks.slack.com/services/T…/B…/…", help: "The URL embeds a credential: it is stored encrypted and never shown again." },
  templates: true,
  defaultFlood: PEOPLE_FLOOD,
  // Slack's incoming webhooks take one message a second.
  lane: { maxInFlight: 1, intervalMs: 1000, maxBacklog: 20 },
  limits: "Slack allows a 150-character header, 3,000 characters per section and 2,000 per field",
  messagesPerDelivery: (eventCount) => eventCount,
});
