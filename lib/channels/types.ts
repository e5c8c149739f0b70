import type { Poster } from "@/lib/net/post";
import type { ChannelType, Severity } from "@/db/schema/values";
import type { FieldErrors } from "@/lib/errors";
import type { HeaderPairs } from "./response-headers";

/**
 * The contract between the channel modules (one per type: validate, render,
 * send) and their callers — the "Send test" button, the test-alert dialog and
 * the dispatcher. A channel module never reads the database.
 */

/** One event as every renderer sees it. */
export type RenderableEvent = {
  id: string;
  type: string;
  severity: Severity;
  title: string;
  data: Record<string, unknown>;
  /** `data` as stored (JSON text), when the event was loaded from the database: webhook bodies splice it in. */
  dataJson?: string;
  occurredAt: Date;
  org: { slug: string; name: string };
  /** `id`: where the body names it (Scalingo's app_id); loaded events carry it. */
  product: { id?: string; slug: string; name: string } | null;
  /** Absolute link to the event in the console. */
  link: string;
  /** Absolute link that opens the event's snooze control (lib/silences); absent for samples. */
  snoozeLink?: string;
  /** A message template's body (lib/channels/template.ts): shown where the data would be. */
  text?: string;
};

/** A channel ready to send: plain settings plus decrypted secrets (never logged, never returned). */
export type SendableChannel = {
  id: string;
  orgId: string;
  type: ChannelType;
  name: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
};

export type SendContext = {
  /** Stable across retries: the Standard Webhooks `webhook-id`. */
  messageId: string;
  /** Resolves e-mail recipient groups (@owners, @admins, @product-admins) at send time. */
  resolveGroup?: (group: string, productSlug: string | null) => Promise<string[]> | string[];
  /**
   * Called before each HTTP message after the first when one send posts
   * several (Slack: one per event; Discord: split batches) — the dispatcher's
   * per-channel pacing hook. Absent: messages go out back to back.
   */
  pace?: () => Promise<void>;
  /**
   * How each POST is sent — the one way to change it: the delivery engine's sending thread
   * (lib/net/http-thread-client.ts), a test's agent (posterThrough). The process's guarded agent unless given.
   */
  poster?: Poster;
  /** Per-attempt limit; 15 s unless given. */
  timeoutMs?: number;
  /** The time a delivery's bodies are built at (the envelope's generatedAt; now unless given). Each POST is signed when it is sent. */
  now?: Date;
  /** Of a send of several messages, how many leading ones an earlier attempt already got accepted: they are not sent again. */
  skipMessages?: number;
  /** Told after every HTTP message whose answer carried rate-limit headers (so pacing between messages can honour them). */
  onRateLimit?: (info: RateLimitInfo) => void;
};

/** The outcome of one attempt, as stored in the attempts table. */
export type SendResult = {
  ok: boolean;
  durationMs: number;
  /** HTTP status, or the SMTP reply code. */
  statusCode?: number;
  /** Bounded excerpt (≤ 2 KB) of the response body or SMTP reply. */
  response?: string;
  /** The HTTP answer's headers (bounded to 1 KB when stored: lib/channels/response-headers.ts). */
  responseHeaders?: HeaderPairs;
  /** Of a send of several POSTs, the 1-based one whose answer this is (status, excerpt, headers). */
  part?: number;
  /** The error in words when not ok. */
  error?: string;
  /** Network error, timeout, 408, 429, 5xx, SMTP 4xx. */
  retryable: boolean;
  /** From Retry-After, when the receiver gave one. */
  retryAfterMs?: number;
  /** 410 Gone: the receiver says the endpoint no longer exists. */
  gone?: boolean;
  /** Of a send of several messages, how many leading ones the receiver has accepted so far (earlier attempts' included). */
  messagesSent?: number;
  /** A refusal's `Date` header minus our clock when it arrived (a signature may be refused for our clock). */
  receiverClockMs?: number;
  /** The receiver's rate-limit budget after the last message (Discord's X-RateLimit-Remaining / -Reset-After). */
  rateLimit?: RateLimitInfo;
};

/** What a receiver said about its rate limit; the dispatcher's pacing waits `resetAfterMs` once `remaining` is 0. */
export type RateLimitInfo = { remaining: number; resetAfterMs: number };

/** A channel's configuration as the renderers and save-time checks see it (secrets in plaintext). */
export type ChannelConfig = Pick<SendableChannel, "type" | "settings" | "secrets">;

/** One message exactly as it will leave Herald (shown as the preview in the test-alert dialog). */
export type RenderedMessage =
  { kind: "http"; body: unknown } | { kind: "email"; to: string[]; subject: string; html: string; text: string } | { kind: "inbox"; title: string };

/** What every module in lib/channels/<type>/module.ts exports, gathered by lib/channels/registry.ts. */
export type ChannelModule = {
  type: ChannelType;
  /** Where the message goes: over HTTP, by SMTP, or into the database (inbox: the dispatcher writes it). */
  transport: "http" | "smtp" | "database";
  /**
   * Save-time checks that need I/O (the address guard on the URL). The shape
   * itself is checked by lib/validation/channels.ts before this runs.
   */
  validate(config: ChannelConfig, options?: { allowPrivate?: boolean }): Promise<FieldErrors>;
  /** Pure: the bodies that `send` would post for these events (one or several messages), built at `now` (the envelope's generatedAt). */
  render(config: ChannelConfig, events: RenderableEvent[], now?: Date): RenderedMessage[];
  /** Sends one delivery. Never touches the database; never throws for a receiver's failure. */
  send(channel: SendableChannel, events: RenderableEvent[], ctx: SendContext): Promise<SendResult>;
  /** An HTTP channel's URL, where `send` posts: the dispatcher bounds how many requests one origin gets at once. */
  targetUrl?(config: ChannelConfig): string;
};
