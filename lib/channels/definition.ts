import type { z } from "zod";
import type { ChannelType } from "@/db/schema/values";
import type { LanePolicy } from "@/lib/dispatch/policy";
import type { FloodLimit, MessageTemplate } from "@/lib/validation/channel-fields";
import type { AuthMethod, WebhookFormat } from "./webhook";

/**
 * What a channel type is, apart from how it sends (issue #22): its body's
 * fields, how they are stored and read back, its label and form in the
 * console, how fast it may be sent to, and the receiver's limits in words.
 * Each type defines one in lib/channels/<type>/index.ts (safe for the
 * browser: no I/O, no node modules); lib/channels/definitions.ts lists them,
 * and everything that differs by type reads it there. How a type renders and
 * sends is its module, lib/channels/<type>/module.ts (server only), listed by
 * lib/channels/registry.ts.
 */

/** A validated body's plain settings (stored as JSON) and secrets (plaintext here, sealed at rest). */
export type SplitConfig = { settings: Record<string, unknown>; secrets: Record<string, string> };

/** A secret as it is read back: never its value, a hint that tells two apart. */
export type SecretView = { configured: true; hint: string };

/** A webhook's authentication as it is read back. */
export type PublicAuth = {
  method: AuthMethod;
  username?: string;
  headerName?: string;
  token?: SecretView | null;
  password?: SecretView | null;
  headerValue?: SecretView | null;
  headers?: SecretView | null;
};

/** The read shape of a channel's configuration, every type's fields together (no secret values, only hints). */
export type PublicChannelConfig = {
  recipients?: string[];
  members?: string[];
  url?: string | SecretView | null;
  format?: WebhookFormat;
  auth?: PublicAuth;
  signingSecret?: SecretView | null;
  /** Its message template (lib/channels/template.ts); null: Herald's own format. Not a secret. */
  template?: MessageTemplate | null;
};

/** How a type's own fields are stored and read back (the fields every type has are handled once, in lib/channels/config.ts). */
export type ChannelStorage<Input> = {
  /** A validated body's own fields → plain settings and plaintext secrets. */
  split(input: Input): SplitConfig;
  /** Back: the own fields of a create body, secrets in plaintext (the base a patch is merged onto). */
  body(stored: SplitConfig): Record<string, unknown>;
  /** The read shape: a secret becomes `view(field)`. */
  publicConfig(settings: Record<string, unknown>, view: (field: string) => SecretView | null): PublicChannelConfig;
  /** One line for the channel list: where messages go, masked where it is a secret. */
  target(settings: Record<string, unknown>, hints: Record<string, string>): string;
};

/** Which fields the console's channel form shows for a type. */
type ChannelFormKind = "url" | "recipients" | "members" | "webhook";

export type ChannelTypeDefinition<Schema extends z.ZodType = z.ZodType> = {
  type: ChannelType;
  /** Its name in the console. */
  label: string;
  /** The create body: `type`, the fields every type has (channelBase) and its own. */
  schema: Schema;
  storage: ChannelStorage<z.output<Schema>>;
  form: ChannelFormKind;
  /** For a "url" form: what its URL looks like, and a line under the field. */
  url?: { placeholder: string; help: string };
  /** Whether the type takes a message template (lib/channels/template.ts). */
  templates: boolean;
  /** Flood control when a body does not say (lib/events/flood.ts): on where people read, off where a machine does. */
  defaultFlood: FloodLimit | null;
  /** How fast one channel of the type is sent to, per worker (lib/dispatch/lanes.ts). */
  lane: LanePolicy;
  /** The receiver's limits in words, for the test alert's preview when one changed a message. */
  limits?: string;
  /** How many messages a delivery of `eventCount` events makes by design (one unless the type says). */
  messagesPerDelivery?: (eventCount: number, settings: Record<string, unknown>) => number;
};

/** Any type's definition as the registry holds it: its storage takes that type's own validated fields. */
export type SomeChannelTypeDefinition = Omit<ChannelTypeDefinition, "storage"> & { storage: ChannelStorage<never> };

/** Keeps the schema's own type, so a type's storage sees its own validated fields. */
export function defineChannelType<Schema extends z.ZodType>(definition: ChannelTypeDefinition<Schema>): ChannelTypeDefinition<Schema> {
  return definition;
}

/** Storage of a chat service whose webhook URL is the credential (Slack, Teams, Discord, Mattermost): the URL, sealed. */
export function secretUrlStorage<Input extends { url: string }>(): ChannelStorage<Input> {
  return {
    split: (input) => ({ settings: {}, secrets: { url: input.url } }),
    body: ({ secrets }) => ({ url: secrets.url }),
    publicConfig: (_settings, view) => ({ url: view("url") }),
    target: (_settings, hints) => hints.url ?? "not configured",
  };
}

/** What "flood control on" means for a type read by people, unless it says otherwise. */
export const PEOPLE_FLOOD: FloodLimit = { limit: 30, minutes: 5 };
