import { z } from "zod";
import { channelBase, chatServiceOf, serviceUrl, TEAMS_RETIRED_MESSAGE, templateSchema } from "@/lib/validation/channel-fields";
import { defineChannelType, PEOPLE_FLOOD, secretUrlStorage } from "../definition";

const teamsUrlSchema = serviceUrl((url) => {
  const service = chatServiceOf(url);
  if (service === "office365") return TEAMS_RETIRED_MESSAGE;
  return url.protocol !== "https:" || service !== "teams" || url.pathname.length < 2
    ? "must be a Teams Workflows webhook URL (https://….logic.azure.com/… or https://….api.powerplatform.com/…)"
    : null;
});

/** Microsoft Teams through a Workflows webhook: Adaptive Cards (lib/channels/teams/module.ts). */
export const teams = defineChannelType({
  type: "teams",
  label: "Microsoft Teams",
  schema: z.object({ type: z.literal("teams"), ...channelBase, url: teamsUrlSchema, template: templateSchema.optional() }),
  storage: secretUrlStorage(),
  form: "url",
  url: {
    placeholder: "https://….logic.azure.com/workflows/… or https://….api.powerplatform.com/…",
    help: "A Workflows webhook: Teams channel ⋯ → Workflows → “Post to a channel when a webhook request is received”.",
  },
  templates: true,
  defaultFlood: PEOPLE_FLOOD,
  // Teams (Power Automate / connectors) throttles beyond about four a second.
  lane: { maxInFlight: 1, intervalMs: 250, maxBacklog: 80 },
  limits: "Teams accepts cards under 28 KB; Herald keeps values under 1,000 characters",
});
