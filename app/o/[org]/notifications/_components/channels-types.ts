import type { PublicChannel } from "@/db/queries/channels";

/** What the console's channel components receive from the server (the masked public shape). */
export type ChannelView = PublicChannel;
export type RuleRef = { id: string; name: string };
/** A member of the org as the channel form lists it (inbox channels can be limited to some). */
export type OrgMember = { email: string; name: string | null };

export const TYPE_LABELS: Record<ChannelView["type"], string> = {
  email: "E-mail",
  slack: "Slack",
  teams: "Microsoft Teams",
  discord: "Discord",
  webhook: "Webhook",
  inbox: "Console inbox",
};

export const URL_PLACEHOLDERS: Partial<Record<ChannelView["type"], string>> = {
  slack: "https://hooks.slack.com/services/T…/B…/…",
  teams: "https://….logic.azure.com/workflows/… or https://….api.powerplatform.com/…",
  discord: "https://discord.com/api/webhooks/{id}/{token}",
  webhook: "https://example.com/herald-hook",
};
