import { maskUrl, urlCarriesCredential } from "@/lib/crypto/secrets";
import type { ChannelType } from "@/db/schema/values";
import {
  AUTH_PLAIN_FIELDS,
  AUTH_SECRET_FIELDS,
  type AuthMethod,
  type ChannelInput,
  type MessageTemplate,
  type PatchChannelInput,
  type WebhookFormat,
} from "@/lib/validation/channels";

/**
 * How a validated channel body is stored: plain settings (recipients, format,
 * auth method, header names) in one column, secrets (sealed) in another, and
 * back. Also the read shape: every secret becomes `{configured, hint}`.
 */

export type SplitConfig = { settings: Record<string, unknown>; secrets: Record<string, string> };

/** Fields that hold credentials, per type (webhook auth fields depend on the method). */
export const URL_IS_SECRET: Record<ChannelType, boolean> = {
  email: false,
  slack: true,
  teams: true,
  discord: true,
  webhook: false,
  inbox: false,
};

export function splitChannelInput(input: ChannelInput): SplitConfig {
  const split = splitTypeFields(input);
  // A message template (lib/channels/template.ts) is plain settings, whatever the type.
  if ("template" in input && input.template) split.settings.template = input.template;
  return split;
}

function splitTypeFields(input: ChannelInput): SplitConfig {
  switch (input.type) {
    case "email":
      return { settings: { recipients: input.recipients }, secrets: {} };
    case "slack":
    case "teams":
    case "discord":
      return { settings: {}, secrets: { url: input.url } };
    case "inbox":
      return { settings: input.members.length ? { members: input.members } : {}, secrets: {} };
    case "webhook": {
      // A URL that carries a credential (?token=, a token path) is stored sealed, as a chat URL is.
      const secret = urlCarriesCredential(input.url);
      const settings: Record<string, unknown> = { ...(secret ? {} : { url: input.url }), format: input.format, authMethod: input.auth.method };
      const secrets: Record<string, string> = secret ? { url: input.url } : {};
      const auth = input.auth;
      if (auth.method === "bearer") secrets.token = auth.token;
      if (auth.method === "basic") {
        settings.username = auth.username;
        secrets.password = auth.password;
      }
      if (auth.method === "apikey") {
        settings.headerName = auth.headerName;
        secrets.headerValue = auth.headerValue;
      }
      if (auth.method === "headers") secrets.headers = auth.headers;
      if (input.signingSecret) secrets.signingSecret = input.signingSecret;
      return { settings, secrets };
    }
  }
}

/** The stored channel as a create body (plaintext secrets), the base a patch is merged onto. */
export function channelBodyOf(
  channel: { type: ChannelType; name: string; enabled: boolean } & SplitConfig,
): Record<string, unknown> {
  const { type, name, enabled, settings, secrets } = channel;
  const body: Record<string, unknown> = { type, name, enabled };
  if (settings.template) body.template = settings.template;
  if (type === "email") body.recipients = settings.recipients;
  if (type === "inbox") body.members = settings.members ?? [];
  if (URL_IS_SECRET[type]) body.url = secrets.url;
  if (type === "webhook") {
    const method = (settings.authMethod as AuthMethod) ?? "none";
    const auth: Record<string, unknown> = { method };
    for (const f of AUTH_PLAIN_FIELDS[method]) auth[f] = settings[f];
    for (const f of AUTH_SECRET_FIELDS[method]) auth[f] = secrets[f];
    Object.assign(body, { url: settings.url ?? secrets.url, format: settings.format, auth, signingSecret: secrets.signingSecret });
  }
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

type SecretView = { configured: true; hint: string };

type PublicAuth = {
  method: AuthMethod;
  username?: string;
  headerName?: string;
  token?: SecretView | null;
  password?: SecretView | null;
  headerValue?: SecretView | null;
  headers?: SecretView | null;
};

/** Per type: email → recipients; inbox → members; slack/teams/discord → url (masked); webhook → url, format, auth, signingSecret. */
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

/** The read shape of a channel's configuration (no secret values, only hints). */
export function publicChannelConfig(
  type: ChannelType,
  settings: Record<string, unknown>,
  hints: Record<string, string>,
): PublicChannelConfig {
  const config = publicTypeConfig(type, settings, hints);
  return type === "inbox" ? config : { ...config, template: (settings.template as MessageTemplate | undefined) ?? null };
}

function publicTypeConfig(
  type: ChannelType,
  settings: Record<string, unknown>,
  hints: Record<string, string>,
): PublicChannelConfig {
  const view = (field: string): SecretView | null =>
    hints[field] !== undefined ? { configured: true, hint: hints[field] } : null;
  switch (type) {
    case "email":
      return { recipients: (settings.recipients as string[]) ?? [] };
    case "slack":
    case "teams":
    case "discord":
      return { url: view("url") };
    case "inbox":
      return { members: (settings.members as string[]) ?? [] };
    case "webhook": {
      const method = (settings.authMethod as AuthMethod) ?? "none";
      const auth: Record<string, unknown> = { method };
      for (const f of AUTH_PLAIN_FIELDS[method]) auth[f] = settings[f];
      for (const f of AUTH_SECRET_FIELDS[method]) auth[f] = view(f);
      // A credential-carrying URL is only a hint — also one stored in plain text before it was sealed.
      const plain = typeof settings.url === "string" ? settings.url : null;
      return {
        url: plain === null ? view("url") : urlCarriesCredential(plain) ? { configured: true, hint: maskUrl(plain) } : plain,
        format: (settings.format as WebhookFormat) ?? "array",
        auth: auth as PublicAuth,
        signingSecret: view("signingSecret"),
      };
    }
  }
}

/** One line for the channel list: where messages go, masked where it is a secret. */
export function channelTarget(type: ChannelType, settings: Record<string, unknown>, hints: Record<string, string>): string {
  if (type === "email") return ((settings.recipients as string[]) ?? []).join(", ");
  if (type === "webhook") {
    const plain = typeof settings.url === "string" ? settings.url : null;
    return plain === null ? (hints.url ?? "not configured") : urlCarriesCredential(plain) ? maskUrl(plain) : plain;
  }
  if (type === "inbox") {
    const members = (settings.members as string[]) ?? [];
    return members.length ? `Console inbox of ${members.join(", ")}` : "Console inbox of every member";
  }
  return hints.url ?? "not configured";
}
