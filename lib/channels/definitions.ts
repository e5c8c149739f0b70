import type { ChannelType } from "@/db/schema/values";
import type { ChannelTypeDefinition, SomeChannelTypeDefinition } from "./definition";
import { discord } from "./discord";
import { email } from "./email";
import { inbox } from "./inbox";
import { mattermost } from "./mattermost";
import { slack } from "./slack";
import { teams } from "./teams";
import { webhook } from "./webhook";

/**
 * Every channel type's definition (lib/channels/<type>/index.ts), in the order
 * the console offers them. Safe for the browser. A new type is a folder, a line
 * here and one in lib/channels/registry.ts (its sending module), and its name
 * in CHANNEL_TYPES (db/schema/values.ts: the stored column's values).
 */
export const CHANNEL_DEFINITIONS = { email, slack, teams, discord, mattermost, webhook, inbox } satisfies Record<ChannelType, SomeChannelTypeDefinition>;

/** A type's definition. Its storage is only handed bodies its own schema validated (createChannelSchema tells them apart by type). */
export function definitionOf(type: ChannelType): ChannelTypeDefinition {
  const definition = CHANNEL_DEFINITIONS[type] as unknown as ChannelTypeDefinition | undefined;
  if (!definition) throw new Error(`Unknown channel type "${type}"`);
  return definition;
}
