import type { ChannelType } from "@/db/schema/values";
import type { MessageTemplate } from "@/lib/validation/channel-fields";
import type { ChannelInput, PatchChannelInput } from "@/lib/validation/channels";
import type { PublicChannelConfig, SecretView, SplitConfig } from "./definition";
import { definitionOf } from "./definitions";

/**
 * How a validated channel body is stored: plain settings (recipients, format,
 * auth method, header names) in one column, secrets (sealed) in another, and
 * back. Also the read shape: every secret becomes `{configured, hint}`.
 */

export function splitChannelInput(input: ChannelInput): SplitConfig {
  const split = definitionOf(input.type).storage.split(input);
  // A message template (lib/channels/template.ts) is plain settings, whatever the type.
  if ("template" in input && input.template) split.settings.template = input.template;
  return split;
}

/** The stored channel as a create body (plaintext secrets), the base a patch is merged onto. */
export function channelBodyOf(channel: { type: ChannelType; name: string; enabled: boolean } & SplitConfig): Record<string, unknown> {
  const { type, name, enabled, settings, secrets } = channel;
  const body: Record<string, unknown> = { type, name, enabled, ...definitionOf(type).storage.body({ settings, secrets }) };
  if (settings.template) body.template = settings.template;
  return body;
}

/**
 * Applies a patch to a stored body: absent keeps, `null` clears, a value
 * replaces. A different auth method starts from nothing, so the old method's
 * credentials are gone (DESIGN §2).
 */
export function mergeChannelPatch(current: Record<string, unknown>, patch: PatchChannelInput): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const key of ["name", "enabled", "recipients", "members", "url", "format", "signingSecret", "template"] as const) {
    const value = patch[key];
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  if (patch.auth) {
    const currentAuth = (current.auth ?? { method: "none" }) as Record<string, unknown>;
    const method = patch.auth.method ?? currentAuth.method;
    const auth: Record<string, unknown> = method === currentAuth.method ? { ...currentAuth } : { method };
    for (const [key, value] of Object.entries(patch.auth)) {
      if (key === "method") continue;
      if (value === null) delete auth[key];
      else if (value !== undefined) auth[key] = value;
    }
    next.auth = auth;
  }
  return next;
}

/** The read shape of a channel's configuration (no secret values, only hints). */
export function publicChannelConfig(type: ChannelType, settings: Record<string, unknown>, hints: Record<string, string>): PublicChannelConfig {
  const view = (field: string): SecretView | null => (hints[field] !== undefined ? { configured: true, hint: hints[field] } : null);
  const definition = definitionOf(type);
  const config = definition.storage.publicConfig(settings, view);
  return definition.templates ? { ...config, template: (settings.template as MessageTemplate | undefined) ?? null } : config;
}

/** One line for the channel list: where messages go, masked where it is a secret. */
export function channelTarget(type: ChannelType, settings: Record<string, unknown>, hints: Record<string, string>): string {
  return definitionOf(type).storage.target(settings, hints);
}
