import { z } from "zod";
import { channelBase, receiverUrl, templateSchema } from "@/lib/validation/channel-fields";
import { defineChannelType, PEOPLE_FLOOD, secretUrlStorage } from "../definition";

/** A Mattermost incoming-webhook URL: the server's own address (often self-hosted, any port, maybe under a path) and /hooks/{26-character key}. */
const mattermostUrlSchema = receiverUrl((url) =>
  (url.protocol !== "https:" && url.protocol !== "http:") || !/\/hooks\/[a-z0-9]{26}\/?$/.test(url.pathname)
    ? "must be a Mattermost incoming-webhook URL: https://{your Mattermost server}/hooks/{key}"
    : null,
);

/** Mattermost incoming webhooks: Slack-compatible message attachments, one message per event (lib/channels/mattermost/module.ts). */
export const mattermost = defineChannelType({
  type: "mattermost",
  label: "Mattermost",
  schema: z.object({ type: z.literal("mattermost"), ...channelBase, url: mattermostUrlSchema, template: templateSchema.optional() }),
  storage: secretUrlStorage(),
  form: "url",
  url: {
    placeholder: "https://chat.example.com/hooks/{key}",
    help: "Main menu → Integrations → Incoming Webhooks → Add. The URL is the credential: it is stored encrypted and never shown again.",
  },
  templates: true,
  defaultFlood: PEOPLE_FLOOD,
  // Mattermost's rate limit, when an admin turns it on, is 10 requests a second per address by default: half of it.
  lane: { maxInFlight: 1, intervalMs: 200, maxBacklog: 50 },
  limits: "Mattermost servers before 5.0 take 4,000 characters per message; Herald keeps titles under 250 characters and values under 1,000",
  messagesPerDelivery: (eventCount) => eventCount,
});
