import type { ChannelType } from "@/db/schema";
import { discord } from "./discord";
import { email } from "./email";
import { inbox } from "./inbox";
import { slack } from "./slack";
import { teams } from "./teams";
import type { ChannelModule } from "./types";
import { webhook } from "./webhook";

/** Channel type → its module (validate, render, send). The dispatcher and the console both go through here. */
export const CHANNEL_MODULES: Record<ChannelType, ChannelModule> = { email, slack, teams, discord, webhook, inbox };

export function channelModule(type: ChannelType): ChannelModule {
  const module = CHANNEL_MODULES[type];
  if (!module) throw new Error(`Unknown channel type "${type}"`);
  return module;
}
