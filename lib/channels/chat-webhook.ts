import type { ChannelType } from "@/db/schema/values";
import { postAll } from "./http";
import { checkUrlTarget } from "./target-check";
import { templated, withTemplate } from "./template";
import type { ChannelConfig, ChannelModule, RenderableEvent } from "./types";

/**
 * The sending module of a chat service whose webhook URL is the credential
 * (Slack, Teams, Discord, Mattermost): the sealed URL is checked by the address
 * guard at save time and posted to; a message template, when the channel has
 * one, makes the events one message (lib/channels/template.ts). A type gives
 * only how the events it is to show become message bodies.
 */
export function chatWebhookModule(type: ChannelType, messagesOf: (events: RenderableEvent[]) => unknown[]): ChannelModule {
  const targetUrl = (config: ChannelConfig) => config.secrets.url;
  return {
    type,
    transport: "http",
    validate: (config, options) => checkUrlTarget(targetUrl(config), options),
    render: (config, events) => messagesOf(templated(config, events)).map((body) => ({ kind: "http", body })),
    send: (channel, events, ctx) =>
      withTemplate(channel, events, (shown) =>
        postAll(
          targetUrl(channel),
          messagesOf(shown).map((message) => ({ body: JSON.stringify(message) })),
          ctx,
        ),
      ),
    targetUrl,
  };
}
