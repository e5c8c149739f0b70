import type { ChannelType } from "@/db/schema/values";
import { discord } from "./discord/module";
import { email } from "./email/module";
import { inbox } from "./inbox/module";
import { mattermost } from "./mattermost/module";
import { redactSendResult } from "./redact";
import { slack } from "./slack/module";
import { teams } from "./teams/module";
import type { ChannelModule, SendResult } from "./types";
import { storableText } from "@/lib/validation/text";
import { webhook } from "./webhook/module";

/**
 * A module whose `send` hands back only what may be stored and shown: the
 * channel's secrets taken out of the receiver's excerpt and the error
 * (lib/channels/redact.ts), text no database takes (NUL) replaced by U+FFFD,
 * and a throw — our own bug — turned into a failed, retryable result. Every send (the dispatcher, "Send test", the test alert)
 * goes through here, so there is one place where that holds.
 */
function storable(typeModule: ChannelModule): ChannelModule {
  const send = typeModule.send;
  return {
    ...typeModule,
    async send(channel, events, ctx) {
      const started = performance.now();
      let result: SendResult;
      try {
        result = await send(channel, events, ctx);
      } catch (e) {
        result = { ok: false, durationMs: Math.round(performance.now() - started), retryable: true, error: `the sender failed: ${(e as Error).message}` };
      }
      return storableResult(redactSendResult(result, channel));
    },
  };
}

/** The receiver's words as they can be stored: a NUL in an answer failed the outcome write on PostgreSQL. */
function storableResult(result: SendResult): SendResult {
  const { response, error, responseHeaders } = result;
  if (response) result.response = storableText(response);
  if (error) result.error = storableText(error);
  if (responseHeaders) result.responseHeaders = responseHeaders.map(([name, value]) => [storableText(name), storableText(value)]);
  return result;
}

/** Channel type → its module (validate, render, send). The dispatcher and the console both go through here. */
const CHANNEL_MODULES: Record<ChannelType, ChannelModule> = {
  email: storable(email),
  slack: storable(slack),
  teams: storable(teams),
  discord: storable(discord),
  mattermost: storable(mattermost),
  webhook: storable(webhook),
  inbox: storable(inbox),
};

export function channelModule(type: ChannelType): ChannelModule {
  const typeModule = CHANNEL_MODULES[type];
  if (!typeModule) throw new Error(`Unknown channel type "${type}"`);
  return typeModule;
}
